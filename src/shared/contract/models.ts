import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id, Overwrite } from './schemas';
import { ShardInfo, ShardSpec } from './cluster';

// Contract methods of the ONNX-model capability (models, layers, preprocessing, activation extraction).
// Spread into the one contract in contract/index.ts.

/** A dimension: a number, a symbolic name ("batch"), or null when the file says nothing. */
export const Dim = z.union([z.number().int(), z.string(), z.null()]);
export type Dim = z.infer<typeof Dim>;
export const TensorSpec = z.object({ name: z.string(), elemType: z.string(), dims: z.array(Dim) });
export type TensorSpec = z.infer<typeof TensorSpec>;

export const Layout = z.enum(['NCHW', 'NHWC']);
export type Layout = z.infer<typeof Layout>;

export const ModelInfo = z.object({
  inputs: z.array(TensorSpec),
  outputs: z.array(TensorSpec),
  irVersion: z.number().int(),
  opset: z.number().int(),
  producer: z.string(),
  /** The image input: its name, layout, channels and fixed sizes (null = dynamic). */
  imageInput: z.string(),
  layout: Layout,
  channels: z.union([z.literal(1), z.literal(3)]),
  height: z.number().int().nullable(),
  width: z.number().int().nullable(),
  /** A batch dimension fixed in the file (often 1), or null when dynamic. */
  fixedBatch: z.number().int().nullable(),
  /** The output kept as logits: one named like "logits", else the first. */
  logitsOutput: z.string(),
  nodes: z.number().int(),
  /** The file's metadata_props (key -> value), e.g. class names and preprocessing an export wrote (docs/models.md). */
  metadata: z.record(z.string(), z.string()).optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const Interpolation = z.enum(['nearest', 'bilinear', 'bicubic']);
export const Preprocessing = z.object({
  size: z.tuple([z.number().int().min(1).max(4096), z.number().int().min(1).max(4096)]),
  resize: z.enum(['squash', 'shorter_center_crop']),
  interpolation: Interpolation,
  /** Multiplies raw 0..255 pixels before mean/std. */
  scale: z.number(),
  mean: z.array(z.number()).min(1).max(3),
  std: z
    .array(z.number().refine((v) => v !== 0, 'std must not be 0'))
    .min(1)
    .max(3),
  channels: z.union([z.literal(1), z.literal(3)]),
  layout: Layout,
});
export type Preprocessing = z.infer<typeof Preprocessing>;

/**
 * Preprocessing options a caller sends (unset fields keep their values): stricter than what is stored, so a
 * nonsense value is refused up front, naming it, instead of producing a black image or a failed extraction.
 */
export const PreprocessingOptions = Preprocessing.extend({ scale: z.number().positive() })
  .partial()
  .superRefine((o, ctx) => {
    for (const key of ['mean', 'std'] as const) {
      const v = o[key];
      if (v && o.channels !== undefined && v.length !== 1 && v.length !== o.channels) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          input: v,
          message: `needs 1 or ${o.channels} values (one per channel, channels is ${o.channels})`,
        });
      }
    }
  });
export const PreprocessPreset = z.enum(['imagenet', 'clip', 'siglip', 'unit', 'fashion-mnist']);
export type PreprocessPreset = z.infer<typeof PreprocessPreset>;

/** invalid: the stored row cannot be used (saved by an older version without today's checks); `problem` says why. */
export const ModelStatus = z.enum(['ok', 'missing', 'changed', 'invalid']);
export type ModelStatus = z.infer<typeof ModelStatus>;
export const ModelSummary = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  status: ModelStatus,
  info: ModelInfo,
  preprocessing: Preprocessing,
  /**
   * Where the preprocessing comes from: 'metadata' (the file's metadata_props), 'guess' (assumed from the input's
   * shape: check it) or 'set' (model.setPreprocessing); detail says it in words.
   */
  preprocessingSource: z.object({ kind: z.enum(['metadata', 'guess', 'set']), detail: z.string() }),
  layers: z.number().int(),
  createdAt: z.string(),
  /** Why the model cannot be used (status 'invalid'); absent otherwise. */
  problem: z.string().optional(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

export const LayerInfo = z.object({
  id: Id,
  tensorName: z.string(),
  /** Module path from the tensor name, e.g. "layer4" or "blocks.3.mlp.act". */
  friendly: z.string(),
  opType: z.string(),
  nodeName: z.string(),
  /** Concrete shape measured on one dummy batch. */
  shape: z.array(z.number().int()),
  /** Neurons under the default summary (channels for 4-D, features for 2-/3-D). */
  neurons: z.number().int(),
  suggested: z.boolean(),
  /** Why it is suggested, e.g. "pooled features feeding the classifier". */
  reason: z.string().nullable(),
});
export type LayerInfo = z.infer<typeof LayerInfo>;

export const Summary = z.enum(['mean', 'max', 'cls', 'token_mean', 'identity', 'auto']);
export type Summary = z.infer<typeof Summary>;
export const ResolvedSummary = Summary.exclude(['auto']);
export type ResolvedSummary = z.infer<typeof ResolvedSummary>;

export const ProviderName = z.enum(['cuda', 'dml', 'coreml', 'cpu']);
export type ProviderName = z.infer<typeof ProviderName>;
export const ProviderReport = z.object({
  used: ProviderName,
  tried: z.array(z.object({ provider: ProviderName, ok: z.boolean(), reason: z.string().nullable() })),
  threads: z.number().int(),
});
export type ProviderReport = z.infer<typeof ProviderReport>;

export const ActivationSetInfo = z.object({
  id: Id,
  modelId: Id,
  layerId: Id,
  tensorName: z.string(),
  probeSetId: Id,
  summary: ResolvedSummary,
  nImages: z.number().int(),
  nNeurons: z.number().int(),
  nLogits: z.number().int(),
  rowsDone: z.number().int(),
  complete: z.boolean(),
  provider: z.string().nullable(),
  /**
   * Neurons with NaN or +-Infinity values (stored as they are by an extraction with onNonFinite 'flag'; their
   * stats use finite values only, explain.run skips them, ablation refuses the set). Empty for a clean set.
   */
  nonFiniteNeurons: z.array(z.number().int()),
  /** How many stored logits are NaN or +-Infinity (0 for a clean set). */
  nonFiniteLogits: z.number().int(),
  createdAt: z.string(),
});
export type ActivationSetInfo = z.infer<typeof ActivationSetInfo>;

export const NeuronStat = z.object({
  neuron: z.number().int(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number(),
  zeroShare: z.number(),
  dead: z.boolean(),
  /** How many of this neuron's values are NaN or +-Infinity; > 0 = flagged, and the stats above cover its finite values only. */
  nonFinite: z.number().int(),
});
export type NeuronStat = z.infer<typeof NeuronStat>;
export const Histogram = z.object({ edges: z.array(z.number()), counts: z.array(z.number().int()) });
export type Histogram = z.infer<typeof Histogram>;

export const OnNonFinite = z.enum(['stop', 'flag']);
export type OnNonFinite = z.infer<typeof OnNonFinite>;

export const ExtractInput = z.object({
  modelId: Id,
  /** The ONNX tensor name of the layer. */
  layer: z.string().min(1),
  probeSetId: Id,
  summary: Summary.default('auto'),
  batchSize: z.number().int().min(1).max(1024).optional(),
  provider: ProviderName.optional(),
  threads: z.number().int().min(1).max(256).optional(),
  /**
   * What to do when the model produces NaN or +-Infinity: 'stop' (default) stops before the batch is saved,
   * naming the layer and the first image; 'flag' stores the values, flags the neurons and continues.
   * Not part of the set's identity: the same call with 'flag' continues a set that 'stop' left incomplete.
   */
  onNonFinite: OnNonFinite.optional(),
  /** Compute only shard index/count (contiguous chunk-aligned image ranges) into a shard file; the project is only read (docs/cluster.md). */
  shard: ShardSpec.optional(),
});
export type ExtractInput = z.input<typeof ExtractInput>;
export type ExtractParams = z.output<typeof ExtractInput>;

/** Spatial maps of one unit over some probe images (activations.heatmaps); docs/heatmaps.md. */
export const HeatmapsOutput = z.object({
  activationSetId: Id,
  neuron: z.number().int(),
  /** channel: a 4-D map's channel; tokens: a feature over a ViT's patch tokens; none: the layer has no spatial map. */
  kind: z.enum(['channel', 'tokens', 'none']),
  /** Why there is no map (kind none), e.g. "no spatial map: this layer is pooled ([1,64]: ...)". */
  reason: z.string().nullable(),
  /** The unit in words: "channel 17 of a 7x7 map", "channel 3 / y 2 / x 5", "feature 64 of the 4x4 patch tokens". */
  unit: z.string(),
  /** Map size (rows x columns): the layer's spatial size or patch grid. */
  grid: z.object({ height: z.number().int(), width: z.number().int() }).nullable(),
  /** Identity units of a map: the unit's own position on the map. */
  focus: z.object({ y: z.number().int(), x: z.number().int() }).nullable(),
  /** Token tensors: tokens before the patch grid that the maps leave out (CLS, registers). */
  prefixTokens: z.number().int(),
  /** The model input the maps cover (the preprocessing the set was extracted with). */
  input: z.object({ height: z.number().int(), width: z.number().int(), resize: z.enum(['squash', 'shorter_center_crop']) }),
  /** Lowest and highest value over all returned maps: one colour scale for all of them. */
  scale: z.object({ lo: z.number(), hi: z.number() }),
  maps: z.array(
    z.object({
      imageId: Id,
      /** grid.height x grid.width values, row-major. */
      values: z.array(z.number()),
      min: z.number(),
      max: z.number(),
      /** The unit's value under the set's summary, recomputed from this map's tensor (the stored activation). */
      activation: z.number(),
    }),
  ),
  /** Images computed now (the others came from the cache), and how long the call took. */
  computed: z.number().int(),
  seconds: z.number(),
});
export type HeatmapsOutput = z.infer<typeof HeatmapsOutput>;

const ModelRef = z.object({ modelId: Id });
const SetRef = z.object({ activationSetId: Id });

export const modelMethods = {
  'model.add': method(
    'Reference a local ONNX file by path + sha256, validate it and discover its layers with one dummy batch.',
    z.object({ path: FilePath, name: z.string().max(200).optional(), provider: ProviderName.optional() }),
    ModelSummary,
  ),
  'model.list': method(
    'Models of the open project with file status ok | missing | changed | invalid (a stored row that cannot be used, with the problem).',
    z.object({}),
    z.array(ModelSummary),
  ),
  'model.info': method(
    'One model with its candidate layers (suggested ones flagged).',
    ModelRef,
    z.object({ model: ModelSummary, layers: z.array(LayerInfo) }),
  ),
  'model.remove': method(
    'Forget a model and everything extracted from it (the file is untouched). Refused (busy) while a running job uses the model.',
    ModelRef,
    z.object({ removed: z.boolean() }),
  ),
  'model.setPreprocessing': method(
    "Set a model's preprocessing from a preset and/or explicit options (unset fields keep their values).",
    z.object({ modelId: Id, preset: PreprocessPreset.optional(), options: PreprocessingOptions.optional() }),
    Preprocessing,
  ),
  'model.preview': method(
    'The preprocessed image (de-normalised PNG data URL) and stats of the input tensor, for a probe image or a file.',
    z.object({ modelId: Id, imageId: Id.optional(), path: FilePath.optional(), options: PreprocessingOptions.optional() }),
    z.object({
      dataUrl: z.string(),
      shape: z.array(z.number().int()),
      stats: z.object({ min: z.number(), max: z.number(), mean: z.number(), std: z.number() }),
    }),
  ),
  'model.providers': method(
    'Which execution provider a session would use here, and why the others were skipped.',
    z.object({ provider: ProviderName.optional() }),
    ProviderReport,
  ),
  'activations.extract': job(
    'Run a model over a probe set and store N x K summarised activations of one layer, logits, predictions and neuron stats. Resumes an interrupted run with the same parameters.',
    ExtractInput,
    z.object({
      activationSet: ActivationSetInfo,
      provider: ProviderReport,
      seconds: z.number(),
      imagesPerSecond: z.number(),
      /** Set when the call computed a shard: the activation set then lives in the shard file. */
      shard: ShardInfo.optional(),
    }),
  ),
  'activations.list': method(
    'Activation sets of the open project, optionally of one model or probe set.',
    z.object({ modelId: Id.optional(), probeSetId: Id.optional() }),
    z.array(ActivationSetInfo),
  ),
  'activations.stats': method('Per-neuron stats of an activation set (all neurons; sort client-side).', SetRef, z.array(NeuronStat)),
  'activations.neuron': method(
    "One neuron's stats and histogram.",
    z.object({ activationSetId: Id, neuron: z.number().int().min(0) }),
    z.object({ stat: NeuronStat, histogram: Histogram }),
  ),
  'activations.heatmaps': method(
    "Spatial maps of one unit (a CNN channel, a ViT feature over the patch tokens) over given probe images of its activation set: the model is run up to the layer with onnxruntime (cached per image). kind 'none' with the reason for a pooled layer.",
    z.object({ activationSetId: Id, neuron: z.number().int().min(0), imageIds: z.array(Id).min(1).max(200) }),
    HeatmapsOutput,
  ),
  'model.inputStats': method(
    "Statistics of the model's preprocessed inputs on a few probe images (evenly spaced in the probe set): per channel mean, std, min and max, to check a guessed preprocessing (a normalised input is usually near mean 0, std 1).",
    z.object({
      modelId: Id,
      probeSetId: Id,
      images: z.number().int().min(1).max(64).default(8),
      options: PreprocessingOptions.optional(),
    }),
    z.object({
      images: z.array(z.object({ imageId: Id, relPath: z.string() })),
      channels: z.array(z.object({ channel: z.number().int(), mean: z.number(), std: z.number(), min: z.number(), max: z.number() })),
      /** A hint when the numbers look like a wrong scale / mean / std, else null. */
      warning: z.string().nullable(),
    }),
  ),
  'activations.export': method(
    "Write an activation set (or its logits) to a CSV or NPY file; every row names its image (row, image_id, rel_path, class, labels): a CSV's first columns, an NPY's rows sidecar '<name>.rows.csv'.",
    z.object({
      activationSetId: Id,
      path: FilePath,
      format: z.enum(['csv', 'npy']),
      kind: z.enum(['act', 'logits']).default('act'),
      overwrite: Overwrite,
    }),
    z.object({
      path: z.string(),
      rows: z.number().int(),
      cols: z.number().int(),
      bytes: z.number().int(),
      /** NPY: the rows sidecar CSV (row, image_id, rel_path, class, labels per matrix row); CSV: null (the columns lead each row). */
      rowsPath: z.string().nullable(),
      /** The columns that name each row's image. */
      rowColumns: z.array(z.string()),
    }),
  ),
} as const;
