import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id } from './schemas';

// Contract methods of the image-text concept scorer (docs/methods.md "Concept activation matrix P", "Simulation and
// scoring"): local SigLIP/CLIP encoders, concept sets, calibration of P = sigmoid(a*(cos+b)), the top-5 filter
// and simulation with a second encoder. Spread into contract/index.ts. Core: src/main/core/{encoders,concepts,scorer}.
// Big arrays (embeddings, P) stay in the backend worker; reads return summaries and pages.

const Name = z.string().trim().min(1).max(200);

export const CalibrationInfo = z.object({
  id: Id,
  encoderId: Id,
  a: z.number(),
  b: z.number(),
  /** fitted (calibration.run), preset (named public model constants), manual (typed), library (from another project). */
  source: z.enum(['fitted', 'preset', 'manual', 'library']),
  /** Preset name, or the probe set it was fitted on. */
  label: z.string(),
  bceBefore: z.number().nullable(),
  bceAfter: z.number().nullable(),
  createdAt: z.string(),
});
export type CalibrationInfo = z.infer<typeof CalibrationInfo>;

export const EncoderInfo = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  sha256: z.string(),
  /** 'separate': vision + text ONNX files; 'combined': one model.onnx with both. */
  layout: z.enum(['separate', 'combined']),
  modelType: z.string().nullable(),
  dim: z.number().int(),
  imageSize: z.tuple([z.number().int(), z.number().int()]),
  /** SigLIP-style fixed text length (padded to it), or null (padded to the longest, with an attention mask). */
  fixedTextLength: z.number().int().nullable(),
  maxTextLength: z.number().int(),
  files: z.record(z.string(), z.string()),
  /** ok | missing (folder gone) | changed (files differ from the added ones: re-add it). */
  status: z.enum(['ok', 'missing', 'changed']),
  /** The calibration in use (the newest), or null: explain/simulate refuse until there is one. */
  calibration: CalibrationInfo.nullable(),
  createdAt: z.string(),
});
export type EncoderInfo = z.infer<typeof EncoderInfo>;

export const CalibrationPreset = z.object({ name: z.string(), a: z.number(), b: z.number(), note: z.string() });

export const ReliabilityBin = z.object({
  lo: z.number(),
  hi: z.number(),
  count: z.number().int(),
  meanPredicted: z.number().nullable(),
  observed: z.number().nullable(),
});

export const CalibrationReport = z.object({
  calibration: CalibrationInfo,
  images: z.number().int(),
  /** Label concepts used (classes + superclasses), and the superclasses skipped for covering too many classes. */
  concepts: z.array(z.string()),
  skipped: z.array(z.string()),
  before: z.object({ a: z.number(), b: z.number(), bce: z.number() }),
  grid: z.object({ a: z.number(), b: z.number(), bce: z.number() }),
  after: z.object({ a: z.number(), b: z.number(), bce: z.number() }),
  reliabilityBefore: z.array(ReliabilityBin),
  reliabilityAfter: z.array(ReliabilityBin),
  eceBefore: z.number(),
  eceAfter: z.number(),
  perConcept: z.array(z.object({ concept: z.string(), positives: z.number().int(), auroc: z.number().nullable() })),
  meanAuroc: z.number().nullable(),
  embeddings: z.object({ computed: z.number().int(), cached: z.number().int() }),
  seconds: z.number(),
});
export type CalibrationReport = z.infer<typeof CalibrationReport>;

export const ConceptSetInfo = z.object({
  id: Id,
  name: z.string(),
  /** labels | builtin | file | combined | filtered */
  source: z.string(),
  count: z.number().int(),
  sha256: z.string(),
  createdAt: z.string(),
});
export type ConceptSetInfo = z.infer<typeof ConceptSetInfo>;

export const FilterReport = z.object({
  /** The kept concepts as a concept set of their own (source 'filtered'). */
  kept: ConceptSetInfo,
  total: z.number().int(),
  dropped: z.array(z.object({ concept: z.string(), top5Mean: z.number(), std: z.number(), reason: z.enum(['top5', 'constant']) })),
  /** Concepts made only of words the encoder's tokenizer does not know (scored as its unknown token; kept or dropped by the filter like any other). */
  unknown: z.array(z.string()),
  /** Says how many concepts are unknown-word ones and names some, or null. */
  warning: z.string().nullable(),
  calibration: CalibrationInfo,
  embeddings: z.object({ computed: z.number().int(), cached: z.number().int() }),
  seconds: z.number(),
});

/** 'label' = the probe set's label simulator; a number = an encoder (its newest calibration). */
export const SimulatorRef = z.union([z.literal('label'), Id]);
export type SimulatorRef = z.infer<typeof SimulatorRef>;

export const SimulatorMeans = z.object({
  /** 'label', or the encoder's sha256 (the key stored with every score). */
  simulator: z.string(),
  name: z.string(),
  /** Mean test correlation per explanation method over the run's non-dead neurons. */
  methods: z.record(
    z.string(),
    z.object({
      mean: z.number().nullable(),
      n: z.number().int(),
      /** sample SD / sqrt(n); null when n < 2 */ standardError: z.number().nullable(),
    }),
  ),
});
export type SimulatorMeans = z.infer<typeof SimulatorMeans>;

export const conceptMethods = {
  'encoder.add': method(
    'Add a local image-text encoder folder (SigLIP/CLIP ONNX export: vision + text models or one model.onnx, tokenizer.json, preprocessor_config.json); validated, hashed; calibrations saved for the same files in other projects come along.',
    z.object({ path: FilePath, name: Name.optional() }),
    EncoderInfo,
  ),
  'encoder.list': method('The encoders of the project, with their file status and calibration in use.', z.object({}), z.array(EncoderInfo)),
  'encoder.remove': method(
    'Remove an encoder from the project (its calibrations too; the files on disk are untouched).',
    z.object({ encoderId: Id }),
    z.object({ removed: z.boolean() }),
  ),
  'encoder.tokenize': method(
    'Token ids and tokens of texts as the encoder sees them (unknown words show as the unknown token).',
    z.object({ encoderId: Id, texts: z.array(z.string().max(2000)).min(1).max(100) }),
    z.array(z.object({ text: z.string(), ids: z.array(z.number().int()), tokens: z.array(z.string()), unknown: z.number().int() })),
  ),
  'encoder.embed': job(
    'Compute and cache the image embeddings of a probe set under an encoder (only images not cached yet). Resumable: finished batches stay cached.',
    z.object({ encoderId: Id, probeSetId: Id }),
    z.object({ computed: z.number().int(), cached: z.number().int(), seconds: z.number() }),
  ),

  'calibration.presets': method('Known (a, b) constants of named public models (methods.md).', z.object({}), z.array(CalibrationPreset)),
  'calibration.run': job(
    'Fit (a, b) of P = sigmoid(a*(cos+b)) to the class + superclass labels of a probe set by minimising BCE (reference grid, then a continuous refine); stored with the encoder and in the app-wide calibration library.',
    z.object({
      encoderId: Id,
      probeSetId: Id,
      /** Superclasses with more than this share of the classes are skipped (they say little). */
      maxSuperclassShare: z.number().gt(0).max(1).default(0.5),
    }),
    CalibrationReport,
  ),
  'calibration.set': method(
    'Use given (a, b) for an encoder: a preset of a named model or typed values.',
    z.object({
      encoderId: Id,
      a: z.number().positive().max(1000),
      b: z.number().min(-2).max(2),
      source: z.enum(['preset', 'manual']),
      label: z.string().max(200).default(''),
    }),
    CalibrationInfo,
  ),
  'calibration.list': method(
    'Calibrations of an encoder, newest first (the first is in use).',
    z.object({ encoderId: Id }),
    z.array(CalibrationInfo),
  ),
  'calibration.report': method(
    'The stored report of a fitted calibration (reliability diagram, per-concept AUROC).',
    z.object({ calibrationId: Id }),
    CalibrationReport.nullable(),
  ),

  'conceptSet.list': method('Concept sets of the project.', z.object({}), z.array(ConceptSetInfo)),
  'conceptSet.get': method(
    "One page of a concept set's concepts, optionally filtered by a substring.",
    z.object({
      conceptSetId: Id,
      search: z.string().max(200).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(20000).default(500),
    }),
    z.object({ set: ConceptSetInfo, total: z.number().int(), concepts: z.array(z.string()) }),
  ),
  'conceptSet.fromLabels': method(
    'The labels of a probe set (classes, superclasses, CSV labels) as a concept set.',
    z.object({ probeSetId: Id }),
    ConceptSetInfo,
  ),
  'conceptSet.builtin': method(
    'A concept list shipped with the app (common-nouns: several thousand common English nouns from WordNet).',
    z.object({ name: z.enum(['common-nouns']) }),
    ConceptSetInfo,
  ),
  'conceptSet.import': method(
    'Import concepts from a .txt (one per line) or .csv (first column, or the column named concept) file; CR/LF/CRLF, blank lines and duplicates handled. The name (default: the file name) is the key: the same name and concepts again return the existing set; a given name already used for other concepts is refused.',
    z.object({ path: FilePath, name: Name.optional() }),
    /** created false: a set of this name with the same concepts existed and is returned (importing again is a no-op). */
    z.object({ set: ConceptSetInfo, created: z.boolean(), blank: z.number().int(), duplicates: z.number().int() }),
  ),
  'conceptSet.combine': method(
    'A new set of the concepts of several sets, in order, de-duplicated (first occurrence kept).',
    z.object({ conceptSetIds: z.array(Id).min(1).max(50), name: Name.optional() }),
    z.object({ set: ConceptSetInfo, duplicates: z.number().int() }),
  ),
  'conceptSet.unknownWords': method(
    "The concepts of a set made only of words an encoder's tokenizer does not know: each is embedded as the unknown token, so its score says nothing about the concept. Check before using a concept set with an encoder.",
    z.object({ conceptSetId: Id, encoderId: Id }),
    z.object({ total: z.number().int(), unknown: z.array(z.string()), warning: z.string().nullable() }),
  ),
  'conceptSet.filter': job(
    "The top-5 filter (methods.md): keep a concept if the mean of its 5 highest P values on the probe set is >= 0.5 and its std >= 1e-5, under an encoder's calibration; the kept ones become a new set, the dropped ones are listed.",
    z.object({ conceptSetId: Id, encoderId: Id, probeSetId: Id }),
    FilterReport,
  ),

  'simulate.run': job(
    'Score every explanation of an explain run (LE, baselines, imported) with an image-text simulator: Pearson correlation of sum_i w_i P_sim(c_i|x) + bias with the neuron on the test (and val) split.',
    z.object({ explainRunId: Id, encoderId: Id }),
    z.object({
      means: SimulatorMeans,
      /** Set when the simulator is the encoder that produced the explanations (allowed, but scores are optimistic). */
      warning: z.string().nullable(),
      neurons: z.number().int(),
      embeddings: z.object({ computed: z.number().int(), cached: z.number().int() }),
      seconds: z.number(),
    }),
  ),
  'simulate.means': method(
    'Mean test correlations of an explain run per simulator (label simulator first) and method.',
    z.object({ explainRunId: Id }),
    z.array(SimulatorMeans),
  ),
} as const;
