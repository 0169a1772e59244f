import type { NeuronResult, ScoredExplanation } from '../../numeric/le';
import type { JobRun } from '../../platform/jobs/runner';
import { insertExplanation, insertScore, putNeuronState, type StoredMethod, type StoredTerm } from '../../platform/store/explanationRepo';
import { sortTerms } from './text';

// One neuron's LE result into the store (the caller holds the block's transaction): the explanation and
// the two baselines, each with its correlation on val and test under the run's own simulator (labels, or
// the explainer encoder for LE(SigLIP)), and the "done" row.

export interface NeuronWrite {
  explainRunId: number;
  activationSetId: number;
  neuron: number;
  names: readonly string[];
  result: NeuronResult;
  /** le_label, or le_siglip (concepts from an image-text encoder). */
  method: StoredMethod;
  /** Whose P the scores were computed with: 'label', or the explainer encoder's sha256. */
  simulator: string;
  /** LE(SigLIP): also score under the label simulator, for explanations made only of labels (null otherwise). */
  labelScore?: (terms: StoredTerm[], bias: number) => { valCorrelation: number; testCorrelation: number } | null;
}

export function termsOf(e: ScoredExplanation, names: readonly string[]): StoredTerm[] {
  return sortTerms(Array.from(e.concepts, (c, i) => ({ concept: names[c], weight: e.weights[i] })));
}

function put(run: JobRun, w: NeuronWrite, method: StoredMethod, e: ScoredExplanation): void {
  const terms = termsOf(e, w.names);
  const id = insertExplanation(run.db, {
    explainRunId: w.explainRunId,
    activationSetId: w.activationSetId,
    neuron: w.neuron,
    method,
    terms,
    bias: e.bias,
    runId: run.runId,
  });
  const score = { explanationId: id, simulator: w.simulator, metric: 'correlation', runId: run.runId };
  insertScore(run.db, { ...score, split: 'val', value: e.valCorrelation });
  insertScore(run.db, { ...score, split: 'test', value: e.testCorrelation });
  const byLabels = w.simulator !== 'label' ? w.labelScore?.(terms, e.bias) : null;
  if (byLabels) {
    const label = { ...score, simulator: 'label' };
    insertScore(run.db, { ...label, split: 'val', value: byLabels.valCorrelation });
    insertScore(run.db, { ...label, split: 'test', value: byLabels.testCorrelation });
  }
}

export function writeNeuronResult(run: JobRun, w: NeuronWrite): void {
  const r = w.result;
  if (r.dead || !r.explanation) {
    putNeuronState(run.db, w.explainRunId, w.neuron, true, {});
    return;
  }
  put(run, w, w.method, r.explanation);
  if (r.baselines) {
    put(run, w, 'best_concept', r.baselines.singleConcept);
    put(run, w, 'top5', r.baselines.noGreedy);
  }
  putNeuronState(run.db, w.explainRunId, w.neuron, false, {
    lambda: Number.isFinite(r.lambda) ? r.lambda : null,
    enetNonzero: r.enetNonzero,
    enetConverged: r.enetConverged,
  });
}
