export { BASIS_SEED, MAX_BASIS, basisRows, correlationsWith, profileInto, topCorrelated } from './profiles';
