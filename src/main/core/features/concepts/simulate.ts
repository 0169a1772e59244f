import type { SimulatorMeans } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { pearson, splitIndices } from '../../numeric/le';
import { readColumns, resolveSet } from '../explanations';
import { requireRun } from '../explanations';
import { at } from '../explanations';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { simulatorNames } from '../../platform/store/encoderRepo';
import {
  deleteCorrelationScores,
  insertScore,
  runExplanations,
  testCorrelationMeans,
  type ExplainRunRow,
} from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { getSplit } from '../../platform/store/splitRepo';
import { encoderSimulator } from './simulators';
import { encoderSession, requireCalibration, requireEncoder } from './encoderService';
import { unknownWords } from './unknownWords';

// The image-text simulator (docs/methods.md "Simulators"): s(x, E) = sum_i w_i P_sim(c_i | x) + bias
// with the simulator's own calibration, scored by Pearson correlation with the neuron on val and test.
// Any explanation works: LE of any concept source, baselines, imported rows, typed text. One P_sim over the
// union of every concept the run's explanations use (one matrix product), then per explanation a weighted
// sum of a few columns at the val/test rows.

export const SIMULATE_KIND = 'simulate.run';

/** The explain run's split (image-id order). */
export function runSplit(db: Db, run: ExplainRunRow): Uint8Array {
  const s = run.splitId === null ? null : getSplit(db, run.splitId);
  if (!s)
    throw new AppError(
      'bad_input',
      `Explanation run ${run.id} has no stored split (imported without one?). Run LE on the layer first, or re-import it with a seed.`,
    );
  return s.assignment;
}

/** The encoder that explained a run (le_siglip), or null. */
export function explainerEncoderId(run: ExplainRunRow): number | null {
  const src = run.params.conceptSource as { kind?: string; encoderId?: number } | undefined;
  return src?.kind === 'encoder' && typeof src.encoderId === 'number' ? src.encoderId : null;
}

export async function runSimulate(state: BackendState, p: { explainRunId: number; encoderId: number }, ctx: CallContext, jobId?: number) {
  const project = state.requireProject();
  const { db } = project;
  const run = requireRun(db, p.explainRunId);
  const src = resolveSet(db, run.activationSetId);
  const enc = requireEncoder(db, p.encoderId);
  requireCalibration(db, enc);
  const split = runSplit(db, run);
  const explanations = runExplanations(db, run.id);
  if (!explanations.length)
    throw new AppError('bad_input', `Explanation run ${run.id} has no explanations yet. Let it finish (or resume it) first.`);
  const t0 = performance.now();
  const title = `Simulate run ${run.id} with ${enc.name}`;
  const same = explainerEncoderId(run) === enc.id;
  return runJob(project, { kind: SIMULATE_KIND, title, params: { ...p }, jobId }, ctx, async (job) => {
    job.recordProvenance({ hashes: { simulator: enc.sha256, manifest: src.manifestHash }, seeds: {} });
    const texts = [...new Set(explanations.flatMap((e) => e.terms.map((t) => t.concept)))];
    const total = src.probe.images + 1;
    const sim = await encoderSimulator(db, enc.id, src.probe.id, texts, {
      signal: job.signal,
      onProgress: (d) => job.progress(d, total, `embedding images ${d} of ${src.probe.images}`),
    });
    const neurons = [...new Set(explanations.map((e) => e.neuron))].sort((a, b) => a - b);
    const acts = readColumns(db, src.set, neurons);
    const colOf = new Map(neurons.map((k, j) => [k, j]));
    const { val, test } = splitIndices(split);
    const column = (k: number) => Float32Array.from({ length: acts.rows }, (_, i) => acts.data[i * acts.cols + colOf.get(k)!]);
    job.throwIfCancelled();
    db.transaction(() => {
      // A re-run with the same simulator replaces its earlier scores.
      deleteCorrelationScores(db, run.id, enc.sha256);
      for (const e of explanations) {
        const a = column(e.neuron);
        for (const [name, rows] of [
          ['val', val],
          ['test', test],
        ] as const) {
          const value = pearson(sim.simulate(e.terms, e.bias, rows)!, at(a, rows));
          insertScore(db, { explanationId: e.id, simulator: enc.sha256, metric: 'correlation', split: name, value, runId: job.runId });
        }
      }
      job.progress(total, total, `${explanations.length} explanations of ${neurons.length} neurons scored`);
    })();
    const means = simulatorMeans(db, run).find((s) => s.simulator === enc.sha256)!;
    return {
      means,
      warning: same
        ? `"${enc.name}" also produced these explanations: simulating with the explainer itself overstates their scores. Use a different encoder as simulator for a fair score.`
        : null,
      neurons: neurons.length,
      embeddings: sim.embeddings,
      seconds: (performance.now() - t0) / 1000,
    };
  });
}

/** Mean test correlation per simulator (label first, then encoders, then numbers imported files carried) and method. */
/** Standard error of a mean from the mean of squares: sample variance (n - 1), as numeric/ablation's meanWithStandardError. */
function standardError(mean: number | null, meanSquare: number | null, n: number): number | null {
  if (mean === null || meanSquare === null || n < 2) return null;
  return Math.sqrt(Math.max(0, ((meanSquare - mean * mean) * n) / (n - 1)) / n);
}

export function simulatorMeans(db: Db, run: ExplainRunRow): SimulatorMeans[] {
  const rows = testCorrelationMeans(db, run.id);
  const names = simulatorNames(db);
  const bySim = new Map<string, SimulatorMeans>();
  for (const r of rows) {
    const entry = bySim.get(r.simulator) ?? {
      simulator: r.simulator,
      name: names.get(r.simulator) ?? r.simulator.slice(0, 12),
      methods: {},
    };
    entry.methods[r.method] = { mean: r.mean, n: r.n, standardError: standardError(r.mean, r.meanSquare, r.n) };
    bySim.set(r.simulator, entry);
  }
  const rank = (s: string) => (s === 'label' ? 0 : s === 'reported' ? 2 : 1);
  return [...bySim.values()].sort((a, b) => rank(a.simulator) - rank(b.simulator) || a.name.localeCompare(b.name));
}

/** Score a typed text E = {(1, text)} of one neuron with an encoder simulator: instant once images are embedded. */
export async function scoreTextWithEncoder(db: Db, run: ExplainRunRow, neuron: number, text: string, encoderId: number) {
  const src = resolveSet(db, run.activationSetId);
  const split = runSplit(db, run);
  const concept = text.trim();
  const sim = await encoderSimulator(db, encoderId, src.probe.id, [concept]);
  const act = readColumns(db, src.set, [neuron]).data;
  const { val, test } = splitIndices(split);
  // E = {(1, text)}: the simulation is the text's P column.
  const score = (rows: Int32Array) => pearson(sim.simulate([{ concept, weight: 1 }], 0, rows)!, at(act, rows));
  const row = requireEncoder(db, encoderId);
  const unknown = unknownWords(await encoderSession(row), concept);
  const all = unknown.length > 0 && unknown.length === concept.split(/[\s_]+/).filter(Boolean).length;
  const warning = !unknown.length
    ? null
    : all
      ? `None of the words of "${concept}" are known to ${row.name}'s tokenizer: the text is embedded as the unknown token, so this score says nothing about it. Use common words.`
      : `${unknown.length} word(s) of "${concept}" are not known to ${row.name}'s tokenizer (${unknown.join(', ')}): they are embedded as the unknown token and add nothing to the score. Use common words.`;
  return { concept, simulator: sim.key, valCorrelation: score(val), testCorrelation: score(test), unknownWords: unknown, warning };
}

export const simulateJobKind: JobKind = {
  kind: SIMULATE_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runSimulate(state, stored as { explainRunId: number; encoderId: number }, ctx, jobId),
};
