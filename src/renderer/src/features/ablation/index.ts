// The ablation feature's public surface: other features and the app shell import only from here.
export { AblationScreen } from './AblationScreen';
