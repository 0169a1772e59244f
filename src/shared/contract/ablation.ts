import { z } from 'zod';
import { job, method } from '../define';
import { Id, Neuron } from './schemas';
import { ShardInfo, ShardSpec } from './cluster';

// Contract methods of ablation scoring (Optim / Norm) and Top Impact (docs/methods.md "Ablation score", "Top Impact").
// Spread into contract/index.ts. The numeric core is src/main/core/numeric/ablation; the store/job side src/main/core/features/ablation.
// Two oracles: the closed form when the layer feeds a linear head (pooled features -> Gemm/MatMul(+Add) -> logits,
// found and verified numerically against the stored logits by 'ablation.head'); else, for spatial maps summarised
// by mean/max, the tail graph (extractTail layer -> logits, run with onnxruntime on maps recomputed from images).

/**
 * {probe label name: model class index}; default: class names of the model (ONNX metadata_props, a classes file or a
 * models.json next to it) when they name every probe class, else the assignment that maximises agreement with the
 * model's stored predictions (inferred).
 */
export const ClassMapping = z.record(z.string().min(1).max(500), z.number().int().min(0));
export type ClassMapping = z.infer<typeof ClassMapping>;

export const LinearHeadInfo = z.object({
  activationSetId: Id,
  tensorName: z.string(),
  logitsOutput: z.string(),
  linear: z.boolean(),
  /** Ops on the path from the layer tensor to the logits, e.g. ["Flatten", "Gemm"]. */
  path: z.array(z.string()),
  /** W is classes x features (PyTorch fc layout). */
  classes: z.number().int(),
  features: z.number().int(),
  /** Max |W a + b - stored logits| over the checked rows; null when no head was found. */
  maxAbsError: z.number().nullable(),
  checkedRows: z.number().int(),
  /** Why not linear (when linear is false). */
  reason: z.string().nullable(),
  /**
   * How Optim gets dL/dv: 'closed-form' (linear head, analytic), 'forward-mode' (exact derivative graph of the tail
   * sub-graph, run with onnxruntime), 'finite-difference' (an op of the tail has no derivative rule: reason says which).
   */
  gradient: z.object({ method: z.enum(['closed-form', 'forward-mode', 'finite-difference']), reason: z.string().nullable() }),
});
export type LinearHeadInfo = z.infer<typeof LinearHeadInfo>;

export const MappingInfo = z.object({
  activationSetId: Id,
  /**
   * 'explicit' (given), 'onnx-metadata' (class names in the model's metadata_props), 'classes-file' (a
   * `<model>.classes.txt` / `classes.txt` next to the model), 'metadata' (class names of a models.json next to the
   * model), 'inferred' (the assignment that maximises agreement with the stored predictions), 'order' (probe
   * classes by name; only when the set has no logits to infer from).
   */
  source: z.enum(['explicit', 'onnx-metadata', 'classes-file', 'metadata', 'inferred', 'order']),
  /** Where the class names came from (metadata key or file name), or how the mapping was decided, in words. */
  sourceDetail: z.string(),
  modelClasses: z.array(z.string()).nullable(),
  rows: z.array(
    z.object({
      label: z.string(),
      modelClass: z.number().int().nullable(),
      modelClassName: z.string().nullable(),
      images: z.number().int(),
    }),
  ),
  /** Images whose class has no model class (ablation refuses while any exist). */
  unmapped: z.number().int(),
  /** Share of probe images whose stored prediction equals the mapped label (over mapped images). */
  accuracy: z.number().nullable(),
  /** Chance level: the share of the largest probe class (what always predicting one class scores). */
  chance: z.number().nullable(),
  /** Accuracy at or below this is "near chance": chance + (1 - chance) / 4. */
  lowAccuracyThreshold: z.number().nullable(),
  /** accuracy <= lowAccuracyThreshold: ablation.run and topimpact.run refuse unless confirmLowAccuracy is set. */
  nearChance: z.boolean(),
  /** Why a source with class names was not used (names that do not match the probe classes), or null. */
  note: z.string().nullable(),
  images: z.number().int(),
});
export type MappingInfo = z.infer<typeof MappingInfo>;

/** Can an explain run be scored by ablation: problems (it cannot) and warnings, in words. */
export const AblationCheck = z.object({
  explainRunId: Id,
  ok: z.boolean(),
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type AblationCheck = z.infer<typeof AblationCheck>;

export const TemperatureInfo = z.object({
  activationSetId: Id,
  splitId: Id,
  temperature: z.number(),
  nll: z.number(),
  nllAtOne: z.number(),
  valImages: z.number().int(),
  atBound: z.boolean(),
});
export type TemperatureInfo = z.infer<typeof TemperatureInfo>;

const MappingInput = { mapping: ClassMapping.optional() };
/** Run even when the mapping's accuracy is near chance (the labels probably do not match the model's classes). */
const ConfirmLow = { confirmLowAccuracy: z.boolean().default(false) };

export const AblationRunParams = z.object({
  explainRunId: Id,
  /** Only these explanation methods of the run (e.g. le_label, best_concept, top5, imported); default: all. */
  methods: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
  /** Whose P simulates the explanations: 'label' (the probe set's labels) or an encoder id (its calibration). */
  simulator: z.union([z.literal('label'), Id]).default('label'),
  modes: z
    .array(z.enum(['optim', 'norm']))
    .min(1)
    .default(['optim', 'norm']),
  /** Default: fitted on the val split of the explain run's split. */
  temperature: z.number().positive().max(1000).optional(),
  neurons: z.array(Neuron).min(1).max(1_000_000).optional(),
  ...MappingInput,
  ...ConfirmLow,
  /** Neurons per committed block (resume granularity); does not change results. */
  blockSize: z.number().int().min(1).max(4096).default(16),
  /**
   * Compute only shard index/count (a contiguous range of the run's neurons) into a shard file; the project is only
   * read: it needs the split and the fitted temperature already, and under an encoder simulator the embeddings of the
   * probe images and of the run's concept texts (cluster.submit stores them).
   */
  shard: ShardSpec.optional(),
});
export type AblationRunParams = z.output<typeof AblationRunParams>;

export const MeanSE = z.object({ mean: z.number().nullable(), standardError: z.number().nullable(), n: z.number().int() });
const Quadratic = z.object({
  a: z.number().nullable(),
  b: z.number().nullable(),
  c: z.number().nullable(),
  r2: z.number().nullable(),
  n: z.number().int(),
});

export const AblationRunInfo = z.object({
  id: Id,
  kind: z.enum(['ablation', 'topimpact']),
  activationSetId: Id,
  explainRunId: Id.nullable(),
  status: z.enum(['running', 'done', 'cancelled', 'interrupted', 'failed']),
  jobId: Id.nullable(),
  temperature: z.number(),
  temperatureSource: z.enum(['fitted', 'given']),
  neuronsTotal: z.number().int(),
  neuronsDone: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type AblationRunInfo = z.infer<typeof AblationRunInfo>;

const Scaled = z.object({ c: z.number(), d: z.number(), score: z.number().nullable() });
export const AblationNeuronRow = z.object({
  neuron: z.number().int(),
  method: z.string(),
  explanationId: Id,
  text: z.string(),
  testCorrelation: z.number().nullable(),
  valMean: z.number(),
  denominator: z.number(),
  flag: z.string().nullable(),
  optim: Scaled.nullable(),
  norm: Scaled.nullable(),
});
export type AblationNeuronRow = z.infer<typeof AblationNeuronRow>;

export const AblationResults = z.object({
  run: AblationRunInfo,
  methods: z.array(
    z.object({
      method: z.string(),
      optim: MeanSE,
      norm: MeanSE,
      flagged: z.number().int(),
      correlation: MeanSE,
      optimVsCorrelation: Quadratic.nullable(),
      normVsCorrelation: Quadratic.nullable(),
    }),
  ),
  /** Per (neuron, method); one page. */
  total: z.number().int(),
  rows: z.array(AblationNeuronRow),
  /** Correlation vs ablation scatter, per method (test correlation, Optim and Norm scores). */
  scatter: z.array(
    z.object({
      method: z.string(),
      /** The neuron of each point (the arrays below are parallel to it). */
      neurons: z.array(z.number().int()),
      correlation: z.array(z.number().nullable()),
      optim: z.array(z.number().nullable()),
      norm: z.array(z.number().nullable()),
    }),
  ),
});
export type AblationResults = z.infer<typeof AblationResults>;

export const TopImpactParams = z.object({
  activationSetId: Id,
  temperature: z.number().positive().max(1000).optional(),
  /** Split for the fitted temperature (default seed 0). */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  neurons: z.array(Neuron).min(1).max(1_000_000).optional(),
  ...MappingInput,
  ...ConfirmLow,
  blockSize: z.number().int().min(1).max(4096).default(16),
  /** Compute only shard index/count of the neurons into a shard file (as ablation.run; docs/cluster.md). */
  shard: ShardSpec.optional(),
});
export type TopImpactParams = z.output<typeof TopImpactParams>;

export const TopImpactResults = z.object({
  run: AblationRunInfo,
  betas: z.array(z.number()),
  curveBetas: z.array(z.number()),
  /** Means over neurons with a defined TI (null when none). */
  meanAtBetas: z.array(z.number().nullable()),
  meanCurve: z.array(z.number().nullable()),
  definedNeurons: z.number().int(),
  accTermUsed: z.boolean(),
  neurons: z.array(
    z.object({ neuron: z.number().int(), atBetas: z.array(z.number().nullable()), total: z.number(), flag: z.string().nullable() }),
  ),
  /** The full curve of one neuron, when asked for. */
  curve: z.object({ neuron: z.number().int(), values: z.array(z.number().nullable()) }).nullable(),
});
export type TopImpactResults = z.infer<typeof TopImpactResults>;

export const ablationMethods = {
  'ablation.head': method(
    "Is the path from the activation set's layer to the logits linear (Gemm/MatMul(+Add), via Flatten/Reshape/GlobalAveragePool)? Reads W, b and verifies W a + b against stored logits.",
    z.object({ activationSetId: Id }),
    LinearHeadInfo,
  ),
  'ablation.mapping': method(
    "The probe set's class labels mapped to the model's class indices (explicit; class names from ONNX metadata_props, a classes file or models.json; else inferred from the stored predictions) and the model's accuracy on the probe set, with the chance level.",
    z.object({ activationSetId: Id, ...MappingInput }),
    MappingInfo,
  ),
  'ablation.check': method(
    'Can this explain run be scored by ablation? Reads only: what would stop ablation.run (unfinished run, no explanations, NaN/infinite values, a layer whose neurons ablation cannot replace, no class labels), in words, and warnings (unmapped classes, accuracy near chance).',
    z.object({ explainRunId: Id }),
    AblationCheck,
  ),
  'ablation.temperature': method(
    'Fit the temperature T on the val split (seeded stored split) by minimising NLL; stored with the activation set.',
    z.object({ activationSetId: Id, seed: z.number().int().min(0).max(0xffffffff).default(0), ...MappingInput }),
    TemperatureInfo,
  ),
  'ablation.run': job(
    "Ablation scores (Optim, Norm) of an explain run's explanations under a simulator (the label simulator, or a calibrated image-text encoder), on the test split; closed form through a verified linear head, else the tail graph (spatial mean/max maps recomputed from the images). Resumable per block of neurons.",
    AblationRunParams,
    z.object({ run: AblationRunInfo, seconds: z.number(), reused: z.boolean(), shard: ShardInfo.optional() }),
  ),
  'ablation.runs': method(
    'Ablation and Top Impact runs of an activation set, newest first.',
    z.object({ activationSetId: Id.optional() }),
    z.array(AblationRunInfo),
  ),
  'ablation.results': method(
    'Per method mean +- standard error of the ablation scores, per neuron rows (one page) and the correlation-vs-ablation scatter with quadratic fits.',
    z.object({ ablationRunId: Id, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(5000).default(500) }),
    AblationResults,
  ),
  'topimpact.run': job(
    'Top Impact of a layer: zero-ablate each neuron (closed form, or the tail graph for spatial maps), TI(beta) at 0.0003, 0.002, 0.02, 0.1, 0.5 and the full curve. Resumable per block.',
    TopImpactParams,
    z.object({ run: AblationRunInfo, seconds: z.number(), reused: z.boolean(), shard: ShardInfo.optional() }),
  ),
  'topimpact.results': method(
    "Top Impact results: per neuron TI at the five betas, layer means and mean curve (and one neuron's curve).",
    z.object({ topImpactRunId: Id, neuron: Neuron.optional() }),
    TopImpactResults,
  ),
} as const;
