// Public surface of the Describe-and-Dissect / CLIP-Dissect numeric core.
export * from './crops';
export * from './clipDissect';
export * from './selection';
