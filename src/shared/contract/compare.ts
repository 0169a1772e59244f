import { z } from 'zod';
import { job, method } from '../define';
import { Id } from './schemas';
import { MeanSE } from './ablation';
import { RunMethod } from './explanations';

// Comparing methods the way the papers do (issue #15): every method's labels of a layer side by side, scored the same
// way, and the papers' evaluations. Core: src/main/core/features/compare/.

// Keep the imports used once a method is declared here.
void job;

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

export const compareMethods = {
  'compare.layer': method(
    "Every method's mean test correlation +- SE under each simulator and Optim / Norm ablation means +- SE, per finished explain run of a layer (activation set): the LE paper's main table on your model.",
    z.object({ activationSetId: Id }),
    CompareLayer,
  ),
} as const;
