import type { ActivationSetInfo, ExplainMethod } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import { runExplanations, type StoredTerm } from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { requireRun } from '../explanations';

// One label per neuron and run, as every comparison of methods reads it (classifier finding, label similarity, the
// blind rating study): the same text for the same explanation wherever it is compared.

/**
 * Methods whose terms are a weighted linear model (LE and its baselines, LE files): the label is the largest-|weight|
 * concept, the one that explains most of the neuron; joining ten signed terms into one text would let concepts
 * the neuron is *against* pull the embedding. Label methods (DnD, CLIP-Dissect, NetDissect, MILAN) have 1-3 terms of
 * weight 1 that together are the description: their texts joined.
 */
const LINEAR: ReadonlySet<ExplainMethod> = new Set(['le_label', 'le_siglip', 'best_concept', 'top5', 'imported']);

/** Class folder and label names use '_' for spaces (Ankle_boot); encoders and people read words. */
export const asText = (s: string) => s.replace(/_/g, ' ').trim();

export function labelOf(method: ExplainMethod, terms: readonly StoredTerm[]): string {
  if (terms.length === 0) return '';
  if (!LINEAR.has(method)) return asText(terms.map((t) => t.concept).join(', '));
  let best = terms[0];
  for (const t of terms) if (Math.abs(t.weight) > Math.abs(best.weight)) best = t;
  return asText(best.concept);
}

export interface RunLabels {
  id: number;
  method: ExplainMethod;
  /** One label per neuron of the layer, in the run's order; neurons without a label are left out. */
  labelled: { neuron: number; label: string }[];
}

/**
 * The labels of explain runs of `set`'s model and layer (run on any probe set), each read with its own method or
 * the one `methods` names for it. Refused, naming the run, when a run explains another layer or has no label.
 */
export function readRunLabels(
  db: Db,
  set: ActivationSetInfo,
  runIds: readonly number[],
  methods?: Record<string, ExplainMethod>,
): RunLabels[] {
  return runIds.map((id) => {
    const run = requireRun(db, id);
    const of = acts.getSetInfo(db, run.activationSetId);
    if (!of || of.modelId !== set.modelId || of.layerId !== set.layerId)
      throw new AppError(
        'bad_input',
        `Explain run ${id} explains ${of ? `layer "${of.tensorName}" of model ${of.modelId}` : 'a deleted activation set'}, not layer "${set.tensorName}" of model ${set.modelId} (activation set ${set.id}). Pass runs of that layer, or extract their layer on this probe set and pass that activation set.`,
      );
    const method = methods?.[String(id)] ?? run.method;
    const labelled = runExplanations(db, id)
      .filter((e) => e.method === method)
      .map((e) => ({ neuron: e.neuron, label: labelOf(method, e.terms) }))
      .filter((e) => e.label && e.neuron < set.nNeurons);
    if (labelled.length === 0)
      throw new AppError(
        'bad_input',
        `Explain run ${id} has no "${method}" explanation with a label. Pick another method for it (method: { "${id}": ... }) or finish the run.`,
      );
    // One label per neuron (a run stores one explanation per method and neuron; keep the first if not).
    const seen = new Set<number>();
    return { id, method, labelled: labelled.filter((e) => !seen.has(e.neuron) && seen.add(e.neuron)) };
  });
}
