import type { RunMethod } from '../../../../shared/contract';
import { labelWeights, loadLabelConcepts, runInfo, scoreByLabels, type LabelConcepts } from '../explanations';
import type { NeuronRunStore } from '../../platform/jobs/neuronRun';
import type { JobRun } from '../../platform/jobs/runner';
import * as repo from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';

// DnD and CLIP-Dissect runs are explain runs (their own method), so every view and score of explain runs applies.
// A neuron's labels, their label-simulator scores and its "done" row (with the details the neuron page shows)
// commit in one transaction.

export interface LabelRunSpec {
  activationSetId: number;
  method: RunMethod;
  key: string;
  conceptSetId: number | null;
  splitId: number;
  neurons: number[];
  params: Record<string, unknown>;
}

export function labelRunStore(db: Db, s: LabelRunSpec): NeuronRunStore {
  return {
    find: () => repo.findExplainRun(db, s.activationSetId, s.key),
    create: (run: JobRun) =>
      repo.createExplainRun(db, {
        activationSetId: s.activationSetId,
        method: s.method,
        runId: run.runId,
        jobId: run.jobId,
        conceptSetId: s.conceptSetId,
        splitId: s.splitId,
        key: s.key,
        neurons: s.neurons,
        params: s.params,
      }),
    attach: (id, run) => repo.setExplainRunJob(db, id, run.jobId, run.runId),
    doneNeurons: (id) => repo.doneNeurons(db, id),
    complete: (id) => repo.completeExplainRun(db, id),
  };
}

export const runResult = (db: Db) => (id: number, seconds: number, reused: boolean) => ({
  run: runInfo(db, repo.getExplainRun(db, id)!),
  seconds,
  reused,
});

export interface LabelScoring {
  labels: LabelConcepts;
  split: Uint8Array;
}

export function labelScoring(db: Db, probeSetId: number, split: Uint8Array): LabelScoring {
  return { labels: loadLabelConcepts(db, probeSetId), split };
}

/** Store one explanation of single-weight terms; scored under the label simulator when every term is a label. */
export function storeLabels(
  db: Db,
  at: { explainRunId: number; activationSetId: number; neuron: number; runId: number },
  method: repo.StoredMethod,
  concepts: readonly string[],
  column: Float32Array,
  scoring: LabelScoring,
): void {
  const terms = concepts.map((concept) => ({ concept, weight: 1 }));
  const id = repo.insertExplanation(db, { ...at, method, terms, bias: 0 });
  const w = labelWeights(scoring.labels, terms);
  if (!w) return;
  const s = scoreByLabels(scoring.labels, scoring.split, column, w, 0);
  const put = (split: 'val' | 'test', value: number) =>
    Number.isFinite(value) &&
    repo.insertScore(db, { explanationId: id, simulator: 'label', metric: 'correlation', split, value, runId: at.runId });
  put('val', s.valCorrelation);
  put('test', s.testCorrelation);
}
