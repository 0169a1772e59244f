// The describers feature's public surface (the Generative models screen, and the number field of its forms): other
// features and the app shell import only from here.
export { GenerativeScreen } from './GenerativeScreen';
export { NumberField } from './CaptionTry';
