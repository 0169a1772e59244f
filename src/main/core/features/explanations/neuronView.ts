import type { ExampleImage, ExplanationInfo, NeuronView, RangeView } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { mulberry32, splitIndices } from '../../numeric/le';
import { getNeuron } from '../../platform/store/activationRepo';
import { neuronStates, runExplanations } from '../../platform/store/explanationRepo';
import { imageWithClass } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getSplit } from '../../platform/store/splitRepo';
import { checkNeuron, ensureSplit, readColumns, resolveSet } from './context';
import { cachedLabelConcepts, type LabelConcepts } from './labelConcepts';
import { requireRun, runEncoderId, runInfo } from './runInfo';
import { encoderSimulator, labelSimulator, type ExplanationSimulator } from '../concepts';
import { explanationText } from './text';

// explain.neuron: everything the neuron page shows, computed from the stored column of the neuron.

export interface NeuronViewOptions {
  runId: number;
  neuron: number;
  scatterMax: number;
  topK: number;
  perBand: number;
  randomK: number;
}

const BUCKETS = 8;

/** k distinct items of `from`, deterministic for a seed (partial Fisher-Yates), in their original order. */
export function sample(from: ArrayLike<number>, k: number, seed: number): number[] {
  const a = Array.from(from);
  if (a.length <= k) return a;
  const rand = mulberry32(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

/** 8 equal-width buckets from 0 (or the min, when activations go negative) to the max. */
function rangeView(lc: LabelConcepts, act: Float32Array): { view: RangeView; bucketOf: Int32Array } {
  let lo = 0;
  let hi = -Infinity;
  for (const v of act) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) hi = lo + 1;
  const w = (hi - lo) / BUCKETS;
  const edges = Array.from({ length: BUCKETS + 1 }, (_, b) => lo + b * w);
  const bucketOf = Int32Array.from(act, (v) => Math.min(BUCKETS - 1, Math.max(0, Math.floor((v - lo) / w))));
  const images = new Array<number>(BUCKETS).fill(0);
  const hits = Array.from({ length: BUCKETS }, () => new Float64Array(lc.labels.length));
  for (let i = 0; i < act.length; i++) {
    const b = bucketOf[i];
    images[b]++;
    for (let t = lc.rowPtr[i]; t < lc.rowPtr[i + 1]; t++) hits[b][lc.cols[t]]++;
  }
  const buckets = images.map((n, b) => ({ lo: edges[b], hi: edges[b + 1], images: n, share: Array.from(hits[b], (h) => (n ? h / n : 0)) }));
  return { view: { edges, labels: lc.labels.map((l) => ({ name: l.name, kind: l.kind })), buckets }, bucketOf };
}

function exampleImages(db: Db, lc: LabelConcepts, act: Float32Array, rows: number[]): ExampleImage[] {
  return rows.map((i) => {
    const r = imageWithClass(db, lc.imageIds[i]);
    return { imageId: lc.imageIds[i], relPath: r?.relPath ?? '', activation: act[i], className: r?.className ?? null };
  });
}

/** Mean P(concept | image) per bucket of each concept of an LE(SigLIP) explanation, under its explainer. */
function addConceptSeries(view: RangeView, bucketOf: Int32Array, sim: ExplanationSimulator, concepts: string[]): void {
  const all = Int32Array.from(bucketOf.keys());
  for (const c of concepts) {
    const p = sim.simulate([{ concept: c, weight: 1 }], 0, all);
    if (!p) continue;
    const sum = new Float64Array(view.buckets.length);
    for (let i = 0; i < p.length; i++) sum[bucketOf[i]] += p[i];
    view.labels.push({ name: c, kind: 'concept' });
    view.buckets.forEach((b, k) => b.share.push(b.images ? sum[k] / b.images : 0));
  }
}

export async function neuronView(db: Db, o: NeuronViewOptions): Promise<NeuronView> {
  const run = requireRun(db, o.runId);
  const src = resolveSet(db, run.activationSetId);
  checkNeuron(src.set, o.neuron);
  const state = neuronStates(db, run.id).get(o.neuron);
  if (!state) throw new AppError('not_found', `Neuron ${o.neuron} is not (yet) explained in run ${run.id}.`);
  const stats = getNeuron(db, src.set.id, o.neuron);
  if (!stats) throw new AppError('not_found', `No stats for neuron ${o.neuron} of activation set ${src.set.id}.`);
  const lc = cachedLabelConcepts(db, src.probe.id);
  const act = readColumns(db, src.set, [o.neuron]).data;
  const stored = runExplanations(db, run.id, o.neuron);
  const explanations: ExplanationInfo[] = stored.map((e) => ({
    id: e.id,
    method: e.method,
    terms: e.terms,
    bias: e.bias,
    text: explanationText(e.terms, e.bias),
    scores: e.scores,
  }));

  const split = (run.splitId !== null ? getSplit(db, run.splitId) : null) ?? ensureSplit(db, src.probe.id, 0).split;
  const { test } = splitIndices(split.assignment);
  const main = stored.find((e) => e.method === run.method);
  // Only LE(SigLIP) scores itself under its encoder; DnD and CLIP-Dissect labels are scored under the labels here (their
  // encoder only compared embeddings and need not be calibrated).
  const encoderId = run.method === 'le_siglip' ? runEncoderId(run) : null;
  let scatter: NeuronView['scatter'] = null;
  let simulator: ExplanationSimulator | null = null;
  if (main) {
    // Deterministic subsample (seeded by the neuron) keeps the scatter's class mix unbiased.
    const rows = Int32Array.from(sample(test, o.scatterMax, 0x5eed ^ o.neuron));
    // The run's own simulator: labels, or the explainer encoder of an LE(SigLIP) run (embeddings are cached).
    simulator =
      encoderId !== null
        ? await encoderSimulator(
            db,
            encoderId,
            src.probe.id,
            main.terms.map((t) => t.concept),
          )
        : labelSimulator(lc);
    const sim = simulator.simulate(main.terms, main.bias, rows);
    if (sim)
      scatter = {
        method: main.method,
        testImages: test.length,
        imageIds: Array.from(rows, (i) => lc.imageIds[i]),
        simulated: Array.from(sim),
        actual: Array.from(rows, (i) => act[i]),
      };
  }

  const { view, bucketOf } = rangeView(lc, act);
  // The explainer's P of the explanation's concepts, already built for the scatter.
  if (encoderId !== null && main && simulator)
    addConceptSeries(
      view,
      bucketOf,
      simulator,
      main.terms.map((t) => t.concept),
    );
  const order = Array.from(act.keys()).sort((a, b) => act[b] - act[a] || a - b);
  const top = order.slice(0, o.topK);
  const inTop = new Set(top);
  const bands = view.buckets
    .map((bk, b) => {
      const members = order.filter((i) => bucketOf[i] === b && !inTop.has(i));
      const picked = sample(members, o.perBand, 0xba4d ^ (o.neuron * 31 + b)).sort((x, y) => act[y] - act[x] || x - y);
      return { lo: bk.lo, hi: bk.hi, images: bk.images, imageShare: bk.images / act.length, examples: exampleImages(db, lc, act, picked) };
    })
    .reverse();
  const random = sample(Array.from(act.keys()), o.randomK, 0x7a4d ^ o.neuron);
  return {
    run: runInfo(db, run),
    neuron: o.neuron,
    dead: state.dead,
    stat: stats.stat,
    histogram: stats.histogram,
    explanations,
    scatter,
    range: view,
    examples: { top: exampleImages(db, lc, act, top), bands, random: exampleImages(db, lc, act, random) },
  };
}
