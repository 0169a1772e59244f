// The probes feature's public surface: other features and the app shell import only from here.
export { ProbeSetsScreen } from './ProbeSetsScreen';
export { ProbeSetSelect } from './ProbeSetSelect';
export { ThumbnailCache } from './thumbnailCache';
export { offerDroppedFolder } from './dropFolder';
