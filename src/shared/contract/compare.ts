import { z } from 'zod';
import { method } from '../define';
import { Id, Neuron } from './schemas';
import { MeanSE } from './ablation';
import { ExplainMethod, RunMethod } from './explanations';

// Comparing methods the way the papers do (issue #15): every method's labels of a layer side by side, scored the same
// way, and the papers' evaluations. Core: src/main/core/features/compare/.

/**
 * compare.layer: one row per finished explain run of a layer and explanation method in it. Every number is the one
 * simulate.means (test correlation per simulator) and ablation.results (Optim / Norm) return for that run.
 */
export const CompareLayerRow = z.object({
  explainRunId: Id,
  runMethod: RunMethod,
  /** Imported runs: the file they came from; else null. */
  runFile: z.string().nullable(),
  runCreatedAt: z.string(),
  /** Explanation method within the run (le_label, best_concept, top5, dnd, dnd_labels, clip_dissect, imported, ...). */
  method: z.string(),
  /** Neurons scored: the largest n over the simulators' cells. */
  n: z.number().int(),
  /** Mean test correlation +- SE per simulator id (see simulators); absent where the run was not scored by it. */
  correlation: z.record(z.string(), MeanSE),
  /** Finished ablation runs of the explain run, newest first: Optim / Norm means +- SE of this method (test split). */
  ablations: z.array(z.object({ ablationRunId: Id, simulator: z.string(), simulatorName: z.string(), optim: MeanSE, norm: MeanSE })),
});
export type CompareLayerRow = z.infer<typeof CompareLayerRow>;

export const CompareLayer = z.object({
  activationSetId: Id,
  /** One table column per simulator: 'label', an encoder's sha256 (named), 'reported' (numbers imported files carried). */
  simulators: z.array(z.object({ id: z.string(), name: z.string() })),
  rows: z.array(CompareLayerRow),
});
export type CompareLayer = z.infer<typeof CompareLayer>;

/** compare.classifierFinding: one class of the second probe set and the neuron a run's labels pick for it. */
export const ClassifierFindingClass = z.object({
  /** Class folder name; `text` is what the encoder embedded ('_' -> ' '). */
  className: z.string(),
  text: z.string(),
  neuron: Neuron,
  /** The neuron's label as embedded (see the core for how a label is read from an explanation). */
  label: z.string(),
  cosine: z.number(),
  /** AUROC of the neuron's activation for "image is of this class" vs the rest of the second probe set. */
  auroc: z.number(),
});
export type ClassifierFindingClass = z.infer<typeof ClassifierFindingClass>;

export const ClassifierFinding = z.object({
  activationSetId: Id,
  probeSetId: Id,
  encoderId: Id,
  classes: z.array(z.object({ className: z.string(), positives: z.number().int(), negatives: z.number().int() })),
  runs: z.array(
    z.object({
      runId: Id,
      method: ExplainMethod,
      /** Neurons with a label of that method: the candidates. */
      candidates: z.number().int(),
      /** Mean AUROC over the classes +- SE (sample SD / sqrt(n)). */
      auroc: MeanSE,
      classes: z.array(ClassifierFindingClass),
    }),
  ),
});
export type ClassifierFinding = z.infer<typeof ClassifierFinding>;

/** compare.labelSimilarity: one neuron of the final layer (neuron k = class k), its label and the cosines to its class name. */
export const LabelSimilarityNeuron = z.object({
  neuron: Neuron,
  /** The class name as given (or the probe set's class folder); compared as text with '_' read as a space. */
  className: z.string(),
  /** The neuron's label as embedded (read from the explanation as compare.classifierFinding reads it). */
  label: z.string(),
  /** Cosine of label and class name under the encoder's text tower; null without an encoder. */
  encoderCos: z.number().nullable(),
  /** Cosine under the sentence-embedding model (text embedder); null without one. */
  sentenceCos: z.number().nullable(),
});
export type LabelSimilarityNeuron = z.infer<typeof LabelSimilarityNeuron>;

export const LabelSimilarity = z.object({
  activationSetId: Id,
  encoder: z.object({ id: Id, name: z.string() }).nullable(),
  textEmbedder: z.object({ id: z.number().int().positive(), name: z.string() }).nullable(),
  /** One per neuron, in neuron order. */
  classNames: z.array(z.string()),
  classNamesFrom: z.enum(['input', 'probe_set']),
  runs: z.array(
    z.object({
      runId: Id,
      method: ExplainMethod,
      /** Neurons with a label of that method (the rest are not counted). */
      n: z.number().int(),
      /** Mean cosine +- SE (sample SD / sqrt(n)) over the labelled neurons; null without that model. */
      encoder: MeanSE.nullable(),
      sentence: MeanSE.nullable(),
      neurons: z.array(LabelSimilarityNeuron),
    }),
  ),
});
export type LabelSimilarity = z.infer<typeof LabelSimilarity>;

export const compareMethods = {
  'compare.layer': method(
    "Every method's mean test correlation +- SE under each simulator and Optim / Norm ablation means +- SE, per finished explain run of a layer (activation set): the LE paper's main table on your model.",
    z.object({ activationSetId: Id }),
    CompareLayer,
  ),
  'compare.classifierFinding': method(
    "Find a classifier for an unseen concept (the DnD / MILAN evaluation): for each class of a second labelled probe set, each run's neuron whose label is closest to the class name under an encoder's text tower, and the AUROC of its activation for that class; mean +- SE per run.",
    z.object({
      /** Explain runs of the activation set's model and layer (on another probe set). */
      runIds: z.array(Id).min(1).max(100),
      /** The same model and layer extracted on the second probe set: its classes are the unseen concepts. */
      activationSetId: Id,
      encoderId: Id,
      /** Per run id, which explanation method to read (default: the run's own method). */
      method: z.record(z.string().regex(/^\d+$/), ExplainMethod).optional(),
    }),
    ClassifierFinding,
  ),
  'compare.labelSimilarity': method(
    "Final-layer label similarity (the DnD paper's evaluation): for a layer whose neurons are the model's classes (neuron k = class k), the cosine between each run's label of neuron k and class k's name under an encoder's text tower and/or a sentence-embedding model (text embedder); mean +- SE per run and the per-neuron rows.",
    z
      .object({
        /** The final layer: neuron k is class k. */
        activationSetId: Id,
        /** Explain runs of that layer (any method: LE, DnD, CLIP-Dissect, imports). */
        runIds: z.array(Id).min(1).max(100),
        encoderId: Id.optional(),
        /** A describer of role text_embedder (describer.list { role: 'text_embedder' }). */
        textEmbedderId: z.number().int().positive().optional(),
        /** Class k's name, one per neuron; default: the probe set's class folders sorted by name (when their count is the layer's). */
        classNames: z.array(z.string().trim().min(1).max(300)).min(1).max(100_000).optional(),
        /** Per run id, which explanation method to read (default: the run's own method). */
        method: z.record(z.string().regex(/^\d+$/), ExplainMethod).optional(),
      })
      .refine((v) => v.encoderId !== undefined || v.textEmbedderId !== undefined, 'give encoderId, textEmbedderId or both'),
    LabelSimilarity,
  ),
} as const;
