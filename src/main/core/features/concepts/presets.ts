// Known calibration constants of named public models (docs/methods.md "Calibration"), fitted by
// the reference on ImageNet val with WordNet superclasses. Use them when the same model is exported locally
// and no labelled probe set is at hand; fitting on your own probe set is better when there is one.
export const CALIBRATION_PRESETS = [
  { name: 'ViT-L-16-SigLIP-384', a: 60, b: -0.09, note: 'reference fit on ImageNet val (BCE 0.01517)' },
  { name: 'ViT-SO400M-14-SigLIP-384', a: 58, b: -0.13, note: 'reference fit on ImageNet val' },
  { name: 'CLIP ViT-L-14-336', a: 58, b: -0.25, note: 'reference fit on ImageNet val' },
] as const;
