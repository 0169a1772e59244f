import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id, Neuron, Overwrite } from './schemas';
import { ShardInfo, ShardSpec } from './cluster';
import { Histogram, NeuronStat } from './models';
import { unitSearchMethods } from './unitSearch';

export * from './unitSearch';

// Contract methods of the explanation capability: seeded splits, label concepts, Linear Explanations
// (LE) with correlation scoring, results / neuron page reads, CSV+JSON interchange. Spread into contract/index.ts.
// Big arrays stay in the store: reads return one page of rows or one neuron's (capped) arrays.

export const Fractions = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) < 1e-9, 'fractions must sum to 1');

export const SplitInfo = z.object({
  id: Id,
  probeSetId: Id,
  seed: z.number().int(),
  /** [train, val, test] */
  fractions: z.tuple([z.number(), z.number(), z.number()]),
  manifestHash: z.string(),
  counts: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  createdAt: z.string(),
  /** 'seeded' (seed + fractions) or 'imported' (split.import: an assignment you gave; seed unused). */
  source: z.enum(['seeded', 'imported']),
  /** Where an imported split came from (its file, or "index lists"); null for seeded ones. */
  name: z.string().nullable(),
});
export type SplitInfo = z.infer<typeof SplitInfo>;

/** 0-based positions in the probe set's images sorted by relative path (the order split.export writes). */
const IndexList = z.array(z.number().int().min(0)).max(10_000_000);

const SplitQuery = z.object({
  probeSetId: Id,
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  fractions: Fractions.default([0.7, 0.1, 0.2]),
});

/**
 * Where concepts come from: 'labels' (classes + superclasses + CSV labels of the probe set, P = 0/1), or
 * 'encoder': a concept set scored by a calibrated image-text encoder, P = sigmoid(a*(cos+b)) (LE(SigLIP)),
 * optionally through the top-5 filter first.
 */
export const ConceptSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('labels') }),
  z.object({ kind: z.literal('encoder'), encoderId: Id, conceptSetId: Id, filter: z.boolean().default(true) }),
]);
export type ConceptSource = z.infer<typeof ConceptSource>;

/**
 * What made an explanation: LE (label or image-text concepts), its baselines, an imported file, Describe-and-Dissect
 * (its first label 'dnd', the second and third alone, and all of them as one explanation 'dnd_labels', weights 1),
 * CLIP-Dissect, or labels imported from NetDissect / MILAN files (labels.import).
 */
export const ExplainMethod = z.enum([
  'le_label',
  'le_siglip',
  'best_concept',
  'top5',
  'imported',
  'dnd',
  'dnd_label2',
  'dnd_label3',
  'dnd_labels',
  'clip_dissect',
  'netdissect',
  'milan',
]);
export type ExplainMethod = z.infer<typeof ExplainMethod>;

/** The method of a run (its primary explanations). */
export const RunMethod = z.enum(['le_label', 'le_siglip', 'imported', 'dnd', 'clip_dissect', 'netdissect', 'milan']);
export type RunMethod = z.infer<typeof RunMethod>;

export const Term = z.object({ concept: z.string(), weight: z.number() });
export type Term = z.infer<typeof Term>;

export const ExplainParamsSchema = z.object({
  activationSetId: Id,
  conceptSource: ConceptSource.default({ kind: 'labels' }),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** A stored split of the probe set (e.g. one from split.import) instead of the seeded one. */
  splitId: Id.optional(),
  /** Elastic-net penalty (ignored when lambdaSelection is 'val'). */
  lambda: z
    .number()
    .positive()
    .max(100)
    .default(0.05 / 0.99),
  /** 'fixed': one lambda (reference). 'val': a warm-started path, best val correlation per neuron. */
  lambdaSelection: z.enum(['fixed', 'val']).default('fixed'),
  eta: z.number().gt(0).max(1).default(0.99),
  /** v: most concepts per explanation (10 = the slots of the LE results CSV). */
  maxConcepts: z.number().int().min(1).max(10).default(10),
  /** r: candidates per greedy round. */
  width: z.number().int().min(1).max(1000).default(10),
  eps: z.number().min(0).max(1).default(0.02),
  /** Concept ranking before the greedy search: 'signed' (reference) or 'abs' (finds negative terms). */
  order: z.enum(['signed', 'abs']).default('signed'),
  /** Only these neurons (default: all of the layer). */
  neurons: z.array(Neuron).min(1).max(1_000_000).optional(),
  /** Neurons per committed block: progress, cancel and resume granularity. Does not change results. */
  blockSize: z.number().int().min(1).max(4096).default(64),
  /**
   * Compute only shard index/count (a contiguous range of the run's neurons) into a shard file; the project is
   * only read, and needs the split already (split.ensure); encoder concepts also their embeddings and the top-5
   * filtered set (cluster.submit stores them; docs/cluster.md).
   */
  shard: ShardSpec.optional(),
});
export type ExplainParamsInput = z.input<typeof ExplainParamsSchema>;
export type ExplainParams = z.output<typeof ExplainParamsSchema>;

export const RunStatus = z.enum(['running', 'done', 'cancelled', 'interrupted', 'failed']);

export const ExplainRunInfo = z.object({
  id: Id,
  activationSetId: Id,
  method: RunMethod,
  status: RunStatus,
  /** The explainer encoder (le_siglip runs), so a simulator choice can warn when it is the same one. */
  encoderId: Id.nullable(),
  jobId: Id.nullable(),
  neuronsTotal: z.number().int(),
  neuronsDone: z.number().int(),
  dead: z.number().int(),
  splitId: Id.nullable(),
  conceptSetId: Id.nullable(),
  concepts: z.number().int(),
  /** Every hyperparameter, defaults included (imported runs: the file and its layer). */
  params: z.record(z.string(), z.unknown()),
  /** Provenance: app version, model sha, manifest hash, concept set sha, seeds. */
  provenance: z
    .object({ appVersion: z.string(), hashes: z.record(z.string(), z.string()), seeds: z.record(z.string(), z.number()) })
    .nullable(),
  /** Means over the explained (non-dead) neurons; null while none is done. */
  means: z.object({
    length: z.number(),
    valCorrelation: z.number().nullable(),
    testCorrelation: z.number().nullable(),
    bestConceptTest: z.number().nullable(),
    top5Test: z.number().nullable(),
  }),
  createdAt: z.string(),
});
export type ExplainRunInfo = z.infer<typeof ExplainRunInfo>;

export const ScoreRow = z.object({
  /** 'label' = the label simulator; 'reported' = numbers an imported file carried. */
  simulator: z.string(),
  metric: z.string(),
  split: z.enum(['train', 'val', 'test']),
  value: z.number(),
});
export type ScoreRow = z.infer<typeof ScoreRow>;

export const ExplanationInfo = z.object({
  id: Id,
  method: ExplainMethod,
  terms: z.array(Term),
  bias: z.number(),
  /** e.g. "1.8 x footwear + 0.9 x Sandal - 0.3 x Bag, bias 0.1" */
  text: z.string(),
  scores: z.array(ScoreRow),
});
export type ExplanationInfo = z.infer<typeof ExplanationInfo>;

const Baseline = z.object({ text: z.string(), testCorrelation: z.number().nullable() }).nullable();
export const ResultRow = z.object({
  neuron: z.number().int(),
  dead: z.boolean(),
  text: z.string(),
  terms: z.array(Term),
  bias: z.number(),
  length: z.number().int(),
  valCorrelation: z.number().nullable(),
  testCorrelation: z.number().nullable(),
  bestConcept: Baseline,
  top5: Baseline,
  /** Test correlation of the primary explanation under each image-text simulator it was scored with. */
  simulated: z.array(z.object({ simulator: z.string(), name: z.string(), testCorrelation: z.number().nullable() })),
});
export type ResultRow = z.infer<typeof ResultRow>;

export const ResultSortKey = z.enum(['neuron', 'valCorrelation', 'testCorrelation', 'length', 'bestConceptTest', 'top5Test']);

export const ExampleImage = z.object({
  imageId: Id,
  relPath: z.string(),
  activation: z.number(),
  className: z.string().nullable(),
});
export type ExampleImage = z.infer<typeof ExampleImage>;

export const RangeView = z.object({
  /** 9 edges of 8 equal-width buckets from 0 (or the min, when negative) to the max activation. */
  edges: z.array(z.number()),
  /**
   * The series: one per class, superclass and CSV label of the probe set (share of images per bucket), and
   * for an LE(SigLIP) run one per concept of the neuron's explanation ('concept': mean P(concept | image)
   * per bucket under the explainer encoder).
   */
  labels: z.array(z.object({ name: z.string(), kind: z.enum(['class', 'superclass', 'csv', 'concept']) })),
  buckets: z.array(z.object({ lo: z.number(), hi: z.number(), images: z.number().int(), share: z.array(z.number()) })),
});
export type RangeView = z.infer<typeof RangeView>;

export const NeuronView = z.object({
  run: ExplainRunInfo,
  neuron: z.number().int(),
  dead: z.boolean(),
  stat: NeuronStat,
  histogram: Histogram,
  explanations: z.array(ExplanationInfo),
  /** Simulated (primary explanation, label simulator) vs true activation on the TEST split. */
  scatter: z
    .object({
      method: ExplainMethod,
      testImages: z.number().int(),
      imageIds: z.array(Id),
      simulated: z.array(z.number()),
      actual: z.array(z.number()),
    })
    .nullable(),
  range: RangeView,
  examples: z.object({
    top: z.array(ExampleImage),
    bands: z.array(
      z.object({ lo: z.number(), hi: z.number(), imageShare: z.number(), images: z.number().int(), examples: z.array(ExampleImage) }),
    ),
    random: z.array(ExampleImage),
  }),
});
export type NeuronView = z.infer<typeof NeuronView>;

const AgreementSide = z.object({
  runId: Id,
  method: RunMethod,
  /** The run's own simulator: 'label', 'reported' or an encoder's sha256 (LE(SigLIP): the explainer). */
  simulator: z.string(),
  simulatorName: z.string(),
});

/** Two explain runs of one layer compared neuron by neuron (explain.agreement). */
export const RunAgreement = z.object({
  activationSetId: Id,
  a: AgreementSide,
  b: AgreementSide,
  /** Neurons both runs explained (not dead, an explanation stored): the rows. */
  neurons: z.number().int(),
  /** Neurons whose top concept (largest |weight|) is the same in both runs, and their share of `neurons`. */
  sameTop: z.number().int(),
  sameTopShare: z.number().nullable(),
  /** Mean over the rows of |A ∩ B| / |A ∪ B| of the two explanations' concept sets. */
  meanJaccard: z.number().nullable(),
  meanTestA: z.number().nullable(),
  meanTestB: z.number().nullable(),
  /** Mean of testA - testB. */
  meanDiff: z.number().nullable(),
  rows: z.array(
    z.object({
      neuron: z.number().int(),
      topA: z.string().nullable(),
      topB: z.string().nullable(),
      sameTop: z.boolean(),
      jaccard: z.number().nullable(),
      textA: z.string(),
      textB: z.string(),
      /** Test correlation under each run's own simulator. */
      testA: z.number(),
      testB: z.number(),
      diff: z.number(),
    }),
  ),
});
export type RunAgreement = z.infer<typeof RunAgreement>;

export const explainMethods = {
  ...unitSearchMethods,
  'split.get': method(
    'The stored seeded split of a probe set for (seed, fractions) under its current manifest, or null.',
    SplitQuery,
    SplitInfo.nullable(),
  ),
  'split.ensure': method(
    'The stored seeded train/val/test split (image-id order) of a probe set; created once per (seed, fractions, manifest).',
    SplitQuery,
    SplitInfo.extend({ created: z.boolean() }),
  ),
  'split.list': method(
    'Every stored split of a probe set (seeded and imported), newest first, with its counts.',
    z.object({ probeSetId: Id }),
    z.array(SplitInfo),
  ),
  'split.import': method(
    "Store a given train/val/test assignment of a probe set's images, to compare with another tool image for image: a CSV with a relative-path column (rel_path or path) and a split column (train, val or test), or index lists (positions in the images sorted by relative path). Every image must be assigned exactly once. Use it with explain.run --splitId.",
    z.object({
      probeSetId: Id,
      path: FilePath.optional(),
      indices: z.object({ train: IndexList, val: IndexList, test: IndexList }).optional(),
      /** Shown with the split (default: the file name, or "index lists"). */
      name: z.string().min(1).max(200).optional(),
    }),
    SplitInfo.extend({ created: z.boolean() }),
  ),
  'split.export': method(
    'Write a stored split as CSV: index, rel_path, split (train/val/test), one row per image sorted by relative path; split.import reads it back.',
    z.object({ splitId: Id, path: FilePath, overwrite: Overwrite }),
    z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int() }),
  ),
  'explain.concepts': method(
    'The concepts a source yields for a probe set (labels: classes + superclasses + CSV labels, constant ones dropped).',
    z.object({ probeSetId: Id, conceptSource: ConceptSource.default({ kind: 'labels' }) }),
    z.object({ conceptSetId: Id, sha256: z.string(), names: z.array(z.string()), dropped: z.array(z.string()) }),
  ),
  'explain.run': job(
    'Linear Explanations of an activation set from label concepts, scored by correlation (val, test) with baselines. Resumable: cancel/kill keeps finished blocks; the same call again (or jobs.resume) continues.',
    ExplainParamsSchema,
    z.object({
      run: ExplainRunInfo,
      seconds: z.number(),
      /** True when an identical finished run existed and was returned without computing. */
      reused: z.boolean(),
      /** Set when the call computed a shard: the run then lives in the shard file. */
      shard: ShardInfo.optional(),
    }),
  ),
  'explain.runs': method(
    'Explanation runs, newest first, optionally of one activation set.',
    z.object({ activationSetId: Id.optional() }),
    z.array(ExplainRunInfo),
  ),
  'explain.results': method(
    "One page of a run's results table: per neuron its explanation, scores and baselines; sort, filter by concept, free-text search.",
    z.object({
      runId: Id,
      sort: z.object({ by: ResultSortKey, dir: z.enum(['asc', 'desc']).default('desc') }).optional(),
      /** Only neurons whose explanation uses a concept containing this text (case-insensitive). */
      concept: z.string().max(500).optional(),
      /** A neuron number (exact), or free text over the explanation text. */
      search: z.string().max(500).optional(),
      includeDead: z.boolean().default(true),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(200),
    }),
    z.object({ total: z.number().int(), rows: z.array(ResultRow) }),
  ),
  'explain.neuron': method(
    'The neuron page: explanations + scores, test-split scatter, histogram, activation-range view, example images.',
    z.object({
      runId: Id,
      neuron: Neuron,
      scatterMax: z.number().int().min(10).max(20000).default(2000),
      topK: z.number().int().min(0).max(100).default(12),
      perBand: z.number().int().min(0).max(50).default(4),
      randomK: z.number().int().min(0).max(100).default(12),
    }),
    NeuronView,
  ),
  'explain.agreement': method(
    "Two explain runs of one activation set compared neuron by neuron: the share of neurons whose top concept (largest |weight|) is the same, the Jaccard index of their concept sets, and the test correlations under each run's own simulator with their difference.",
    z.object({ runA: Id, runB: Id }),
    RunAgreement,
  ),
  'explain.searchConcept': method(
    'Neurons whose explanation (of a run) uses a concept matching the text (case-insensitive substring).',
    z.object({ runId: Id, text: z.string().min(1).max(500) }),
    z.array(
      z.object({
        neuron: z.number().int(),
        concept: z.string(),
        weight: z.number(),
        text: z.string(),
        testCorrelation: z.number().nullable(),
      }),
    ),
  ),
  'explain.export': method(
    'Write a run to the LE results CSV (layer, unit, val correlation, weight0, concept0, ..., weight9, concept9, bias, sim correlation) or JSON.',
    z.object({ runId: Id, format: z.enum(['csv', 'json']), path: FilePath, overwrite: Overwrite }),
    z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int() }),
  ),
  'explain.import': method(
    'Import an LE results CSV or JSON as method "imported" for an activation set; scored under the label simulator when every concept is a label.',
    z.object({
      activationSetId: Id,
      path: FilePath,
      /** Rows of this layer only (needed when the file holds several layers). */
      layer: z.string().optional(),
      seed: z.number().int().min(0).max(0xffffffff).default(0),
      /** Import a file whose layer name differs from the activation set's layer (refused otherwise). */
      allowLayerMismatch: z.boolean().default(false),
    }),
    z.object({ run: ExplainRunInfo, rows: z.number().int(), scored: z.boolean(), warnings: z.array(z.string()) }),
  ),
  'explain.scoreText': method(
    'Score a typed single-text explanation E = {(1, text)} of a neuron: under the label simulator (the text must be a label of the probe set) or an image-text simulator (any text).',
    z.object({
      runId: Id,
      neuron: Neuron,
      text: z.string().min(1).max(500),
      simulator: z.union([z.literal('label'), Id]).default('label'),
    }),
    z.object({
      concept: z.string(),
      simulator: z.string(),
      valCorrelation: z.number(),
      testCorrelation: z.number(),
      /** Words of the text the encoder's tokenizer does not know (scored as its unknown token); [] under the label simulator. */
      unknownWords: z.array(z.string()),
      /** Says the score means little when the text is (partly) unknown words, else null. */
      warning: z.string().nullable(),
    }),
  ),
} as const;
