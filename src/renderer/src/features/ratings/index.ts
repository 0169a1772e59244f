// The ratings feature's public surface (blind rating studies): the app shell imports only from here.
export { RatingsScreen } from './RatingsScreen';
