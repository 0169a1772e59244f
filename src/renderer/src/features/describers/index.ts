// The describers feature's public surface (the Generative models screen): the app shell imports only from here.
export { GenerativeScreen } from './GenerativeScreen';
