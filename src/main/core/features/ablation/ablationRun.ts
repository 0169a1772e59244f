import type { CallContext } from '../../../../shared/define';
import { AblationRunParams, type AblationRunInfo, type ShardInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { matrix, scoreAblation, type NeuronAblation } from '../../numeric/ablation';
import { requireRun, setShard, shardSplit } from '../explanations';
import { requireCalibration, requireEncoder } from '../concepts';
import type { JobKind } from '../../platform/jobs/registry';
import { neuronBlocks, runNeuronJob } from '../../platform/jobs/neuronRun';
import { neuronShardOutput } from '../../platform/jobs/shards';
import * as repo from '../../platform/store/ablationRepo';
import { runExplanations, type StoredExplanation } from '../../platform/store/explanationRepo';
import { getSplit } from '../../platform/store/splitRepo';
import {
  ablationRunInfo,
  ablationSimulator,
  ablationRunStore,
  activations,
  blockOracle,
  makeOracle,
  defaultSplit,
  ensureTemperature,
  fin,
  prepare,
  sortedNeurons,
  subColumns,
} from './common';
import { refuseNearChance } from './mapping';

// ablation.run: Optim / Norm ablation scores of every explanation of an explain run (le_label, best_concept,
// top5, imported) under a simulator s = weights . P_sim + bias (the label simulator, or a calibrated image-text
// encoder: scorer/simulators.ts), on the TEST split, with the
// denominator from mean ablation (val mean). Closed form through the verified linear head. Blocks of neurons
// commit their `scores` rows (metric ablation_optim / ablation_norm) with their ablation_neurons rows.

export const ABLATION_KIND = 'ablation.run';

export interface MethodAblation {
  explanationId: number;
  valMean: number;
  denominator: number;
  flag: string | null;
  optim: { c: number; d: number; score: number | null; numerator: number } | null;
  norm: { c: number; d: number; score: number | null; numerator: number; rho: number | null } | null;
}
export interface NeuronDetails {
  methods: Record<string, MethodAblation>;
  /** Explanations left out: a concept that is not a label of the probe set (no label simulation). */
  skipped: { method: string; explanationId: number; reason: string }[];
}

export async function runAblation(
  state: BackendState,
  p: AblationRunParams,
  ctx: CallContext,
  resumeJobId?: number,
): Promise<{ run: AblationRunInfo; seconds: number; reused: boolean; shard?: ShardInfo }> {
  const project = state.requireProject();
  const { db } = project;
  const er = requireRun(db, p.explainRunId);
  const prep = await prepare(db, er.activationSetId, p.mapping);
  refuseNearChance(prep.mapping, 'Ablation scoring', p.confirmLowAccuracy);
  const { src, labels } = prep;
  // Every check before the first write (a split or a temperature fit): a refused call leaves the project untouched.
  const explanations = runExplanations(db, er.id);
  const present = new Set<string>(explanations.map((e) => e.method));
  const unknown = (p.methods ?? []).filter((m) => !present.has(m));
  if (unknown.length) {
    throw new AppError(
      'bad_input',
      `Explanation run ${er.id} has no explanations of method ${unknown.join(', ')}; it has ${[...present].sort().join(', ') || 'none'}.`,
    );
  }
  const byNeuron = new Map<number, StoredExplanation[]>();
  for (const e of explanations) byNeuron.set(e.neuron, [...(byNeuron.get(e.neuron) ?? []), e]);
  const neurons = sortedNeurons(
    p.neurons,
    [...byNeuron.keys()].sort((a, b) => a - b),
    src.set.nNeurons,
  );
  if (!neurons.length)
    throw new AppError('bad_input', `Explanation run ${er.id} has no explanations${p.neurons ? ' for the given neurons' : ''} to score.`);
  const modes = [...new Set(p.modes)].sort();
  // The simulator is part of the key: the same explanations under another simulator are another result.
  const simEncoder = p.simulator === 'label' ? null : requireEncoder(db, p.simulator);
  const simCalibration = simEncoder ? requireCalibration(db, simEncoder) : null;
  const simKey = simEncoder ? { encoder: simEncoder.sha256, a: simCalibration!.a, b: simCalibration!.b } : 'label';
  const seed = Number(er.params.seed ?? 0);
  // A shard only reads the project: the split and the fitted temperature must be stored already.
  const split =
    (er.splitId !== null ? getSplit(db, er.splitId) : null) ?? (p.shard ? shardSplit(db, src.probe.id, seed) : defaultSplit(db, src, seed));
  const fitted = p.temperature === undefined ? ensureTemperature(db, src, split, prep.mapping, labels, !!p.shard) : null;
  const temperature = p.temperature ?? fitted!.temperature;
  const key = JSON.stringify({
    simulator: simKey,
    explainRunId: er.id,
    splitId: split.id,
    modes,
    temperature,
    temperatureSource: fitted ? 'fitted' : 'given',
    mapping: prep.mapping.key,
    neurons: p.neurons ? neurons : 'all',
    methods: p.methods ? [...p.methods].sort() : 'all',
  });
  const title = `Ablation scores ${src.set.tensorName} (run ${er.id}, ${neurons.length} neurons)`;
  const { shard: _shard, ...stored } = p;
  const params = {
    ...stored,
    simulatorKey: simEncoder?.sha256 ?? 'label',
    simulatorName: simEncoder?.name ?? 'label simulator',
    modes,
    temperature,
    temperatureSource: fitted ? 'fitted' : 'given',
    temperatureFit: fitted,
    splitId: split.id,
    mapping: prep.mapping.info.rows,
    mappingSource: prep.mapping.info.source,
    mappingDetail: prep.mapping.info.sourceDetail,
    accuracy: prep.mapping.info.accuracy,
    chance: prep.mapping.info.chance,
    head: prep.head.info,
    oraclePath: prep.path,
  };

  const shardOf = setShard(src, split.id, null, { explainRunId: er.id });
  const { out, mine, finish } = await neuronShardOutput(
    project,
    p.shard,
    neurons,
    () => ({
      kind: ABLATION_KIND,
      ...shardOf.identity,
      params: { key: JSON.parse(key) as unknown, neurons, explainRunKey: er.key },
      seeds: { split: split.seed },
    }),
    () => shardOf.copies,
  );
  // Everything the job writes goes to `wdb` (the project, or the shard file); `db` is only read below.
  const wdb = out.db;

  const result = runNeuronJob(
    out,
    {
      kind: ABLATION_KIND,
      title: p.shard ? `${title}, shard ${p.shard.index}/${p.shard.count}` : title,
      key,
      params: stored,
      what: 'ablation run',
      neurons: mine,
      resumeJobId,
      store: ablationRunStore(wdb, 'ablation', src.set.id, key, neurons, () => ({ explainRunId: er.id, params })),
      result: (id, seconds, reused) => ({ run: ablationRunInfo(wdb, repo.getAblationRun(wdb, id)!), seconds, reused }),
    },
    ctx,
    async ({ run, id, todo, neuronsDone }) => {
      const A = activations(db, src);
      const { oracle, gradient, release } = await makeOracle(db, prep, A, temperature, run.signal, modes.includes('optim'));
      // The head info stored at the start says how Optim would differentiate; record what the oracle really does.
      if (modes.includes('optim')) repo.setAblationRunGradient(wdb, id, gradient);
      try {
        // A shard reads the encoder's embeddings stored beforehand (prepareAblationShards), never embeds.
        const simulator = await ablationSimulator(db, p.simulator, src.probe.id, explanations, {
          signal: run.signal,
          cachedOnly: p.shard ? 'store them once before the shards (cluster.submit does, as ablation.run would).' : undefined,
        });
        const all = Int32Array.from({ length: A.rows }, (_, i) => i);
        for (const block of neuronBlocks(todo, p.blockSize, run)) {
          const details = new Map<number, NeuronDetails>(block.map((k) => [k, { methods: {}, skipped: [] }]));
          // One pass of the core per explanation method: the columns of the neurons that have one.
          const methods = [...new Set(block.flatMap((k) => (byNeuron.get(k) ?? []).map((e) => e.method)))]
            .filter((m) => !p.methods || p.methods.includes(m as string))
            .sort();
          const pending: { e: StoredExplanation; r: NeuronAblation }[] = [];
          for (const method of methods) {
            const cols: number[] = [];
            const sims: Float64Array[] = [];
            const exps: StoredExplanation[] = [];
            for (const k of block) {
              const e = (byNeuron.get(k) ?? []).find((x) => x.method === method);
              if (!e) continue;
              const s = simulator.simulate(e.terms, e.bias, all);
              if (!s) {
                details.get(k)!.skipped.push({ method, explanationId: e.id, reason: simulator.unsupported });
                continue;
              }
              cols.push(k);
              sims.push(s);
              exps.push(e);
            }
            if (!cols.length) continue;
            const sim = new Float64Array(A.rows * cols.length);
            for (let r = 0; r < A.rows; r++) for (let j = 0; j < cols.length; j++) sim[r * cols.length + j] = sims[j][r];
            const res = await scoreAblation(
              blockOracle(oracle, cols),
              subColumns(A, cols),
              matrix(sim, A.rows, cols.length),
              split.assignment,
              { methods: modes, signal: run.signal },
            );
            res.forEach((r, j) => pending.push({ e: exps[j], r: { ...r, neuron: cols[j] } }));
          }
          run.throwIfCancelled();
          wdb.transaction(() => {
            for (const { e, r } of pending) {
              const m: MethodAblation = {
                explanationId: e.id,
                valMean: r.valMean,
                denominator: r.denominator,
                flag: r.flag,
                optim: r.optim ? { c: r.optim.c, d: r.optim.d, score: fin(r.optim.score), numerator: r.optim.numerator } : null,
                norm: r.norm
                  ? { c: r.norm.c, d: r.norm.d, score: fin(r.norm.score), numerator: r.norm.numerator, rho: fin(r.norm.rho) }
                  : null,
              };
              details.get(r.neuron)!.methods[e.method] = m;
              for (const mode of ['optim', 'norm'] as const) {
                const s = m[mode];
                if (!s || s.score === null) continue; // zero denominator: no defined score (kept in the details)
                repo.insertScoreWithDetails(wdb, {
                  explanationId: e.id,
                  simulator: simulator.key,
                  metric: `ablation_${mode}`,
                  split: 'test',
                  value: s.score,
                  runId: run.runId,
                  details: {
                    ablationRunId: id,
                    c: s.c,
                    d: s.d,
                    denominator: r.denominator,
                    numerator: s.numerator,
                    valMean: r.valMean,
                    temperature,
                  },
                });
              }
            }
            for (const [k, d] of details) repo.putAblationNeuron(wdb, id, k, d);
            neuronsDone(block.length);
          })();
        }
      } finally {
        await release();
      }
    },
    {
      startMessage: 'scoring',
      start: (run) =>
        run.recordProvenance({
          hashes: { model: src.modelSha, manifest: src.manifestHash, activationSet: String(src.set.id), explainRun: String(er.id) },
          seeds: { split: split.seed },
        }),
    },
  );
  return finish(result);
}

export const ablationJobKind: JobKind = {
  kind: ABLATION_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runAblation(state, AblationRunParams.parse(stored), ctx, jobId),
};
