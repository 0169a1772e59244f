// Public surface of the concepts core: cosine blocks, P = sigmoid(a (cos + b)) stored quantized, the
// top-5 concept filter, calibration of (a, b), reliability and AUROC. Pure numeric; no electron, no DB.
export * from './cosine';
export * from './quantized';
export * from './conceptFilter';
export * from './buildP';
export * from './bce';
export * from './cosHistogram';
export * from './calibrate';
export * from './reliability';
export * from './auroc';
