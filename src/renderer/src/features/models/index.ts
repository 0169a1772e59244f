// The models feature's public surface: other features and the app shell import only from here.
export { ModelsScreen } from './ModelsScreen';
