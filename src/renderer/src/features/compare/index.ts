// The compare feature's public surface (the Compare methods screen): the app shell imports only from here.
export { CompareScreen } from './CompareScreen';
