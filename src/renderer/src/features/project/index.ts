// The project feature's public surface: other features and the app shell import only from here.
export { ProjectScreen } from './ProjectScreen';
