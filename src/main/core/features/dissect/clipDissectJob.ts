import type { z } from 'zod';
import { ClipDissectParamsSchema } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import { embedProbeImages, embedTextsCached, encoderSession, requireEncoder } from '../concepts';
import { ensureSplit, readColumns, resolveSet, setShard, shardSplit, skippedDetails } from '../explanations';
import { clipDissect, clipDissectCos, clipDissectLogLikelihoods } from '../../numeric/dissect';
import type { BackendState } from '../../platform/context';
import type { Db } from '../../platform/store/open';
import type { JobKind } from '../../platform/jobs/registry';
import { runNeuronJob } from '../../platform/jobs/neuronRun';
import { neuronShardOutput } from '../../platform/jobs/shards';
import { copyConcepts, putShardRows } from '../../platform/store/shardRepo';
import { getStats, nonFiniteNeurons } from '../../platform/store/activationRepo';
import { conceptNames, conceptSetSha } from '../../platform/store/conceptRepo';
import * as repo from '../../platform/store/explanationRepo';
import { labelRunStore, labelScoring, runResult, storeLabels } from './runStore';

// clipDissect.run: CLIP-Dissect labels (methods.md "CLIP-Dissect") from the cached embeddings of the probe images and
// of a concept set under an image-text encoder. soft-WPMI's log P(t) is a logsumexp over the neurons scored
// together, so all of them are computed in one pass and committed at once; the set is recorded with the run (its
// key includes it: the same neurons again reuse the run, another set is another run).

export const CLIP_DISSECT_KIND = 'clipDissect.run';
type ClipDissectParams = z.output<typeof ClipDissectParamsSchema>;

const DEFAULTS = { soft_wpmi: { topK: 100, lambda: 1 }, wpmi: { topK: 28, lambda: 0.6 }, cos: { topK: 100, lambda: 0 } } as const;

export async function runClipDissect(state: BackendState, p: ClipDissectParams, ctx: CallContext, resumeJobId?: number) {
  const project = state.requireProject();
  const { db } = project;
  const src = resolveSet(db, p.activationSetId);
  const n = src.set.nNeurons;
  const bad = p.neurons?.find((k) => k >= n);
  if (bad !== undefined) throw new AppError('bad_input', `Neuron ${bad} is out of range: the layer has ${n} neurons (0..${n - 1}).`);
  const flagged = nonFiniteNeurons(db, src.set.id);
  const neurons = p.neurons ? [...new Set(p.neurons)].sort((a, b) => a - b) : Array.from({ length: n }, (_, i) => i);
  const scored = neurons.filter((k) => !flagged.has(k));
  if (!scored.length) throw new AppError('non_finite', 'Every requested neuron has NaN or +-Infinity activations (flagged at extraction).');
  const encoder = requireEncoder(db, p.encoderId);
  const conceptSha = conceptSetSha(db, p.conceptSetId);
  if (!conceptSha) throw new AppError('not_found', `Concept set ${p.conceptSetId} does not exist. List them with conceptSet.list.`);
  const topK = Math.min(p.topK ?? DEFAULTS[p.variant].topK, src.set.nImages);
  const lambda = p.lambda ?? DEFAULTS[p.variant].lambda;
  // A shard only reads the project: the split and the embeddings must be stored already (cluster.submit stores them).
  const split = p.shard ? shardSplit(db, src.probe.id, p.splitSeed) : ensureSplit(db, src.probe.id, p.splitSeed).split;
  const shas = { model: src.modelSha, manifest: src.manifestHash, encoder: encoder.sha256, conceptSet: conceptSha };
  const key = JSON.stringify({
    method: 'clip_dissect',
    variant: p.variant,
    topK,
    lambda,
    neurons: p.neurons ? neurons : 'all',
    shas,
    splitId: split.id,
  });
  const dead = new Map(getStats(db, src.set.id).map((s) => [s.neuron, s.dead]));
  const { shard: _shard, ...stored } = p;
  const shardOf = setShard(src, split.id, p.conceptSetId, { encoderId: encoder.id });
  const { out, mine, finish } = await neuronShardOutput(
    project,
    p.shard,
    neurons,
    () => ({
      kind: CLIP_DISSECT_KIND,
      ...shardOf.identity,
      params: { key: JSON.parse(key) as unknown, neurons },
      seeds: { split: p.splitSeed },
    }),
    () => shardOf.copies,
    (outDb) => copyConcepts(db, outDb, p.conceptSetId),
  );
  // Everything the job writes goes to `wdb` (the project, or the shard file); `db` is only read below.
  const wdb = out.db;
  const cachedOnly = p.shard
    ? 'compute them once before the shards (cluster.submit does: it runs the same embeddings as clipDissect.run).'
    : undefined;

  const result = runNeuronJob(
    out,
    {
      kind: CLIP_DISSECT_KIND,
      title: `CLIP-Dissect ${src.set.tensorName} (${neurons.length} neurons, ${p.variant})${p.shard ? `, shard ${p.shard.index}/${p.shard.count}` : ''}`,
      key,
      params: stored,
      scope: { activationSetId: p.activationSetId },
      what: 'CLIP-Dissect run',
      neurons: mine,
      resumeJobId,
      store: labelRunStore(wdb, {
        activationSetId: src.set.id,
        method: 'clip_dissect',
        key,
        conceptSetId: p.conceptSetId,
        splitId: split.id,
        neurons,
        params: { ...stored, topK, lambda, shas, scoredTogether: scored },
      }),
      result: runResult(wdb),
    },
    ctx,
    async ({ run, id, todo, neuronsDone, status }) => {
      run.recordProvenance({ hashes: shas, seeds: { split: p.splitSeed } });
      const enc = await encoderSession(encoder);
      const names = conceptNames(db, p.conceptSetId);
      const images = await embedProbeImages(db, enc, src.probe.id, {
        cachedOnly,
        signal: run.signal,
        onProgress: (d, t) => status(`image embeddings: ${d} of ${t}`),
      });
      const texts = await embedTextsCached(db, enc, names, {
        cachedOnly,
        signal: run.signal,
        onProgress: (d, t) => status(`concept embeddings: ${d} of ${t}`),
      });
      // All neurons scored together (not only those still to do): a label depends on the whole set.
      const acts = readColumns(db, src.set, scored);
      status(`${p.variant}: ${scored.length} neurons x ${names.length} concepts`);
      const input = {
        acts: acts.data,
        n: acts.rows,
        k: acts.cols,
        images: images.vectors,
        texts: texts.vectors,
        d: images.dim,
        m: names.length,
      };
      // This process's scored neurons: positions [from, from + own.length) of `scored` (all of them without --shard).
      const own = mine.filter((k) => !flagged.has(k));
      const from = own.length ? scored.findIndex((k) => k >= mine[0]) : 0;
      const progress = (d: number, t: number) => status(`${p.variant}: ${d} of ${t}`);
      if (p.shard && p.variant !== 'cos') {
        // A shard: log P(t | B_j) of its scored neurons only (the same bits as in the whole set's pass); the merge
        // computes log P(t) over all of them and the labels (soft-WPMI's label depends on every neuron scored).
        const L = own.length
          ? await clipDissectLogLikelihoods(
              input,
              { variant: p.variant, topK, lambda, signal: run.signal, onProgress: progress },
              { from, to: from + own.length },
            )
          : new Float64Array(0);
        const m = names.length;
        wdb.transaction(() => {
          putShardRows(
            wdb,
            id,
            own.map((neuron, j) => ({ neuron, data: L.slice(j * m, (j + 1) * m) })),
          );
          for (const neuron of todo)
            repo.putNeuronState(
              wdb,
              id,
              neuron,
              !flagged.has(neuron) && (dead.get(neuron) ?? false),
              flagged.has(neuron) ? skippedDetails(flagged.get(neuron)!, src.set.nImages) : { awaitingMerge: true },
            );
          neuronsDone(todo.length);
        })();
        return;
      }
      // The cos label of a neuron is its own: a shard labels its neurons (the whole set's bits) and the merge copies them.
      const opts = { variant: p.variant, topK, lambda, signal: run.signal, onProgress: progress };
      const res = p.variant === 'cos' ? await clipDissectCos(input, opts, { from, to: from + own.length }) : await clipDissect(input, opts);
      const col = new Map(scored.map((k, c) => [k, c]));
      const scoring = labelScoring(db, src.probe.id, split.assignment);
      wdb.transaction(() => {
        for (const neuron of todo) {
          const c = col.get(neuron);
          if (c !== undefined) {
            const j = c - from; // its row of res
            const column = Float32Array.from({ length: acts.rows }, (_, r) => acts.data[r * acts.cols + c]);
            const at = { explainRunId: id, activationSetId: src.set.id, neuron, runId: run.runId };
            storeLabels(wdb, at, 'clip_dissect', [names[res.best[j]]], column, scoring);
            repo.putNeuronState(wdb, id, neuron, dead.get(neuron) ?? false, {
              similarity: res.score[j],
              top: res.top[j].map((t) => ({ concept: names[t.concept], score: t.score })),
            });
          } else repo.putNeuronState(wdb, id, neuron, false, skippedDetails(flagged.get(neuron)!, src.set.nImages));
        }
        neuronsDone(todo.length);
      })();
    },
    { startMessage: 'labelling' },
  );
  return finish(result);
}

export const clipDissectJobKind: JobKind = {
  kind: CLIP_DISSECT_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runClipDissect(state, ClipDissectParamsSchema.parse(stored), ctx, jobId),
};

/**
 * What clipDissect.run shards need stored in the project before they run read-only: the seeded split and the image
 * and concept embeddings (the rows the single run would store). cluster.submit calls it.
 */
export async function prepareClipDissectShards(db: Db, input: unknown): Promise<void> {
  const p = ClipDissectParamsSchema.parse(input);
  const src = resolveSet(db, p.activationSetId);
  if (!conceptSetSha(db, p.conceptSetId))
    throw new AppError('not_found', `Concept set ${p.conceptSetId} does not exist. List them with conceptSet.list.`);
  ensureSplit(db, src.probe.id, p.splitSeed);
  const enc = await encoderSession(requireEncoder(db, p.encoderId));
  await embedProbeImages(db, enc, src.probe.id);
  await embedTextsCached(db, enc, conceptNames(db, p.conceptSetId));
}
