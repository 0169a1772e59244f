import type { AblationCheck } from '../../../../shared/contract';
import { resolveSet, requireRun } from '../explanations';
import { runExplanations } from '../../platform/store/explanationRepo';
import { findLayer } from '../../platform/store/modelRepo';
import type { Db } from '../../platform/store/open';
import { discoverHead } from './head';
import { resolveMapping } from './mapping';
import { tailRefusal } from './tailOracle';

// ablation.check: can this explain run be scored by ablation, said in words when it is chosen (the wizard's first
// step), instead of a coded refusal at Start. Reads only; the same conditions ablation.run refuses on.

const dims = (shape: readonly number[]) => shape.slice(1).join('×');

/** Why the layer cannot be replaced neuron by neuron, in plain words (null: it can). */
function layerProblem(tensor: string, shape: readonly number[], summary: string): string | null {
  const why = tailRefusal(shape, summary);
  if (!why) return null;
  if (summary === 'identity' && shape.length === 4)
    return `Each neuron of this run is a single position of one channel of the ${dims(shape)} feature map '${tensor}' (extracted with the summary 'identity'). Ablation replaces a whole channel at a time, so it cannot score these neurons. Extract the layer again with the mean or max summary and explain that set.`;
  if (summary === 'identity' && shape.length === 3)
    return `Each neuron of this run is a single feature of a single token of '${tensor}' (${dims(shape)}, summary 'identity'). Ablation replaces a feature of the CLS token or of all tokens at once, so it cannot score these neurons. Extract the layer again with the cls or token_mean summary and explain that set.`;
  return `The layer '${tensor}' (${dims(shape)}, summary '${summary}') cannot be replaced neuron by neuron: ${why}.`;
}

export async function checkAblationRun(db: Db, explainRunId: number): Promise<AblationCheck> {
  const run = requireRun(db, explainRunId);
  const src = resolveSet(db, run.activationSetId);
  const { set } = src;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!run.complete) problems.push('The run is not finished: only a finished run can be scored. Finish it first (Jobs: resume).');
  if (!runExplanations(db, run.id).length) problems.push('The run has no explanations to score (every neuron was dead or skipped).');
  if (set.nonFiniteNeurons.length || set.nonFiniteLogits)
    problems.push(
      `The model produced NaN or infinite values on this layer${set.nonFiniteNeurons.length ? ` (neurons ${set.nonFiniteNeurons.slice(0, 5).join(', ')}${set.nonFiniteNeurons.length > 5 ? ', ...' : ''})` : ''}${set.nonFiniteLogits ? ' or in its outputs' : ''}. Ablation recomputes the loss from the whole layer, so no score would be defined. Pick another layer, or fix the model.`,
    );
  if (set.nLogits === 0)
    problems.push(
      "No model outputs (logits) were stored with this layer's activations: ablation measures changes of the model's loss on them.",
    );
  else if (!set.nonFiniteNeurons.length && !set.nonFiniteLogits) {
    const head = await discoverHead(db, src);
    if (!head.head) {
      const shape = findLayer(db, set.modelId, set.tensorName)?.shape ?? [];
      const p = layerProblem(set.tensorName, shape, set.summary);
      if (p) problems.push(p);
    }
    const m = resolveMapping(db, src);
    if (!m.info.rows.length)
      problems.push(
        `The probe set "${src.probe.name}" has no class labels (one folder per class): ablation measures the model's loss on them.`,
      );
    else {
      if (m.info.unmapped > 0)
        warnings.push(`${m.info.unmapped} probe images have a class the model has no class for: map every class at the next step.`);
      if (m.info.nearChance)
        warnings.push(
          `The model agrees with the probe labels on only ${((m.info.accuracy ?? 0) * 100).toFixed(1)}% of the images under the automatic mapping (chance ${((m.info.chance ?? 0) * 100).toFixed(1)}%): check the mapping at the next step.`,
        );
    }
  }
  return { explainRunId: run.id, ok: problems.length === 0, problems, warnings };
}
