// The concepts feature's public surface: other features and the app shell import only from here.
export { ConceptsScreen } from './ConceptsScreen';
export { EncoderSelect } from './EncoderSelect';
export { useEncoders } from './useEncoders';
export * from './types';
