// Image-text encoders (SigLIP / CLIP ONNX exports in a local folder): inspection, embeddings, embedding cache.
export { DEFAULT_MAX_TEXT, analyseEncoder, encoderSha, findEncoderFiles, inspectEncoder } from './folder';
export type { EncoderFiles, EncoderIO, EncoderInspection, EncoderLayout } from './folder';
export { l2normalizeRows, openEncoder } from './encoder';
export type { EmbedOptions, Encoder, ImageInput, OpenOptions } from './encoder';
export { decodeImage, imageSpec, imageTable, shortestEdgeSize } from './image';
export type { ImageSpec } from './image';
export { TextTokenizer } from './text';
export type { TextSpec, TokenBatch } from './text';
