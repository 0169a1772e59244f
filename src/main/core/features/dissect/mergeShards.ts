import { AppError } from '../../../../shared/errors';
import { clipDissectLabels } from '../../numeric/dissect';
import { mergeNeuronRuns, type NeuronRunMerge, type OpenShard } from '../../platform/jobs/shards';
import { getStats, nonFiniteNeurons } from '../../platform/store/activationRepo';
import { conceptNames, conceptSetSha } from '../../platform/store/conceptRepo';
import * as repo from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { copyExplainRows, copyGenerativeCaches, readShardRows } from '../../platform/store/shardRepo';
import { getSplit } from '../../platform/store/splitRepo';
import { requireEncoder } from '../concepts';
import { explainRunMerge, readColumns, resolveSet, skippedDetails } from '../explanations';
import { labelScoring, storeLabels } from './runStore';

// project.merge of clipDissect.run shards (docs/cluster.md): soft-WPMI's log P(t) is a logsumexp over every neuron
// scored together, so the shards hand over log P(t | B_j) of their neurons (shard_rows) and the merge labels all of
// them at once, writing what the single run writes (explanations, label scores, neuron rows) in the same order.
// The cos variant's label is per neuron: its shards hold the single run's rows, which the merge copies.

interface Key {
  variant: 'soft_wpmi' | 'wpmi' | 'cos';
  lambda: number;
  shas: { encoder: string; conceptSet: string };
}

export function mergeClipDissectShards(db: Db, shards: OpenShard[]): { explainRunId: number; activationSetId: number } {
  const { params, ids } = shards[0].prov;
  const key = JSON.stringify(params.key);
  const k = params.key as Key;
  const neurons = params.neurons as number[];
  const refuse = (field: string, message: string): never => {
    throw new AppError('bad_input', `Shard ${shards[0].path}: ${message}`, { path: shards[0].path, field });
  };
  if (conceptSetSha(db, ids.conceptSetId) !== k.shas.conceptSet)
    refuse('ids.conceptSetId', `the project's concept set ${ids.conceptSetId} is not the one the shards used.`);
  if (requireEncoder(db, ids.encoderId).sha256 !== k.shas.encoder)
    refuse('ids.encoderId', `the project's encoder ${ids.encoderId} is not the one the shards used.`);
  const split = getSplit(db, ids.splitId) ?? refuse('ids.splitId', `the project has no split ${ids.splitId}.`);
  const src = resolveSet(db, ids.activationSetId);
  if (k.variant === 'cos') {
    return {
      explainRunId: mergeNeuronRuns(db, shards, explainRunMerge(db, src.set.id, key, neurons, 'CLIP-Dissect run')),
      activationSetId: src.set.id,
    };
  }
  const flagged = nonFiniteNeurons(db, src.set.id);
  const scored = neurons.filter((n) => !flagged.has(n));
  const names = conceptNames(db, ids.conceptSetId);
  const m = names.length;

  // Every shard's rows first (a short shard is refused before anything is written), then the labels of all.
  const shardRun = (s: Db) => repo.listExplainRuns(s).filter((r) => r.key === key);
  const L = new Float64Array(scored.length * m);
  const col = new Map(scored.map((n, j) => [n, j]));
  for (const s of shards) {
    const run = shardRun(s.db)[0];
    const rows = run ? readShardRows(s.db, run.id) : new Map<number, Float64Array>();
    const done = run ? repo.doneNeurons(s.db, run.id).size : 0;
    const want = s.prov.to - s.prov.from;
    const mine = neurons.slice(s.prov.from, s.prov.to).filter((n) => col.has(n));
    if (done !== want || mine.some((n) => rows.get(n)?.length !== m))
      throw new AppError('bad_input', `Shard ${s.path}: holds ${done} of its ${want} neurons: run its task again, then merge.`, {
        path: s.path,
        field: 'shard_rows',
      });
    for (const n of mine) L.set(rows.get(n)!, col.get(n)! * m);
  }
  const res = clipDissectLabels(L, scored.length, m, k.lambda);
  const acts = readColumns(db, src.set, scored);
  const scoring = labelScoring(db, src.probe.id, split.assignment);
  const dead = new Map(getStats(db, src.set.id).map((s) => [s.neuron, s.dead]));

  // As the single run writes them: per neuron its label (and label scores), then its "done" row.
  const labelAll: NeuronRunMerge['copy'] = (s, _shardRunId, id, runId) => {
    const slice = neurons.slice(s.prov.from, s.prov.to);
    for (const neuron of slice) {
      const j = col.get(neuron);
      if (j === undefined) {
        repo.putNeuronState(db, id, neuron, false, skippedDetails(flagged.get(neuron)!, src.set.nImages));
        continue;
      }
      const column = Float32Array.from({ length: acts.rows }, (_, r) => acts.data[r * acts.cols + j]);
      storeLabels(
        db,
        { explainRunId: id, activationSetId: src.set.id, neuron, runId: runId! },
        'clip_dissect',
        [names[res.best[j]]],
        column,
        scoring,
      );
      repo.putNeuronState(db, id, neuron, dead.get(neuron) ?? false, {
        similarity: res.score[j],
        top: res.top[j].map((t) => ({ concept: names[t.concept], score: t.score })),
      });
    }
    return slice.length;
  };
  const explainRunId = mergeNeuronRuns(db, shards, explainRunMerge(db, src.set.id, key, neurons, 'CLIP-Dissect run', labelAll));
  return { explainRunId, activationSetId: src.set.id };
}

/**
 * project.merge of dnd.run shards: each shard's labels, scores and neuron chains copied as they are, after its model-call
 * caches (generated images among them, which a chain names by id: those ids are rewritten to the project's).
 */
export function mergeDndShards(db: Db, shards: OpenShard[]): { explainRunId: number; activationSetId: number } {
  const { params, ids } = shards[0].prov;
  const key = JSON.stringify(params.key);
  const shas = (params.key as { shas: { encoder: string; conceptSet?: string } }).shas;
  if (requireEncoder(db, ids.encoderId).sha256 !== shas.encoder)
    throw new AppError('bad_input', `Shard ${shards[0].path}: the project's encoder ${ids.encoderId} is not the one the shards used.`, {
      path: shards[0].path,
      field: 'ids.encoderId',
    });
  if (shas.conceptSet && conceptSetSha(db, ids.conceptSetId) !== shas.conceptSet)
    throw new AppError(
      'bad_input',
      `Shard ${shards[0].path}: the project's concept set ${ids.conceptSetId} is not the one the shards used.`,
      {
        path: shards[0].path,
        field: 'ids.conceptSetId',
      },
    );
  const copy: NeuronRunMerge['copy'] = (s, shardRunId, id, runId) => {
    const gen = copyGenerativeCaches(s.db, db);
    return copyExplainRows(s.db, db, shardRunId, id, runId, (json) => renumberGenerated(json, gen));
  };
  const explainRunId = mergeNeuronRuns(
    db,
    shards,
    explainRunMerge(db, ids.activationSetId, key, params.neurons as number[], 'Describe-and-Dissect run', copy),
  );
  return { explainRunId, activationSetId: ids.activationSetId };
}

/** A neuron's details with every chain image's generatedId mapped to the project's gen_images id. */
function renumberGenerated(json: string, ids: Map<number, number>): string {
  const d = JSON.parse(json) as { chain?: { selection?: { images: { generatedId: number }[] }[] } };
  const selection = d.chain?.selection;
  if (!selection?.length) return json;
  for (const c of selection) for (const im of c.images) im.generatedId = ids.get(im.generatedId) ?? im.generatedId;
  return JSON.stringify(d);
}
