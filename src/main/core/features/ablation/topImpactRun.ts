import type { CallContext } from '../../../../shared/define';
import { TopImpactParams, type AblationRunInfo, type ShardInfo } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { TOP_IMPACT_BETAS, topImpactGrid, topImpactLayer } from '../../numeric/ablation';
import type { JobKind } from '../../platform/jobs/registry';
import { neuronBlocks, runNeuronJob } from '../../platform/jobs/neuronRun';
import { neuronShardOutput } from '../../platform/jobs/shards';
import { setShard, shardSplit } from '../explanations';
import * as repo from '../../platform/store/ablationRepo';
import { getStats } from '../../platform/store/activationRepo';
import {
  ablationRunInfo,
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

// topimpact.run: zero-ablate each neuron through the verified linear head (closed form), per-image impact
// I_k from accuracy and temperature-scaled loss changes over the whole probe set, TI_k(beta) at the five
// reference betas and on the full curve grid. Per neuron values go to ablation_neurons.details_json.

export const TOPIMPACT_KIND = 'topimpact.run';

export interface TopImpactDetails {
  atBetas: (number | null)[];
  curve: (number | null)[];
  total: number;
  flag: string | null;
  accTermUsed: boolean;
}

export async function runTopImpact(
  state: BackendState,
  p: TopImpactParams,
  ctx: CallContext,
  resumeJobId?: number,
): Promise<{ run: AblationRunInfo; seconds: number; reused: boolean; shard?: ShardInfo }> {
  const project = state.requireProject();
  const { db } = project;
  const prep = await prepare(db, p.activationSetId, p.mapping, 'Top Impact');
  refuseNearChance(prep.mapping, 'Top Impact', p.confirmLowAccuracy);
  const { src, labels } = prep;
  // Checks before the first write (the split, the temperature fit): a refused call leaves the project untouched.
  const all = Array.from({ length: src.set.nNeurons }, (_, k) => k);
  const neurons = sortedNeurons(p.neurons, all, src.set.nNeurons);
  // A shard only reads the project: it needs the stored split and temperature fit, unless a temperature is given.
  const split = !p.shard ? defaultSplit(db, src, p.seed) : p.temperature === undefined ? shardSplit(db, src.probe.id, p.seed) : null;
  const fitted = p.temperature === undefined ? ensureTemperature(db, src, split!, prep.mapping, labels, !!p.shard) : null;
  const temperature = p.temperature ?? fitted!.temperature;
  const key = JSON.stringify({
    temperature,
    temperatureSource: fitted ? 'fitted' : 'given',
    splitId: fitted ? split!.id : null,
    mapping: prep.mapping.key,
    neurons: p.neurons ? neurons : 'all',
  });
  const title = `Top Impact ${src.set.tensorName} (${neurons.length} neurons)`;
  const curveBetas = topImpactGrid();
  const { shard: _shard, ...stored } = p;
  const params = {
    ...stored,
    temperature,
    temperatureSource: fitted ? 'fitted' : 'given',
    temperatureFit: fitted,
    betas: [...TOP_IMPACT_BETAS],
    curveBetas: Array.from(curveBetas),
    mapping: prep.mapping.info.rows,
    mappingSource: prep.mapping.info.source,
    mappingDetail: prep.mapping.info.sourceDetail,
    accuracy: prep.mapping.info.accuracy,
    chance: prep.mapping.info.chance,
    head: prep.head.info,
    oraclePath: prep.path,
  };

  const shardOf = setShard(src, split?.id ?? null);
  const { out, mine, finish } = await neuronShardOutput(
    project,
    p.shard,
    neurons,
    () => ({
      kind: TOPIMPACT_KIND,
      ...shardOf.identity,
      params: { key: JSON.parse(key) as unknown, neurons },
      seeds: { split: p.seed },
    }),
    () => shardOf.copies,
  );
  // Everything the job writes goes to `wdb` (the project, or the shard file); `db` is only read below.
  const wdb = out.db;

  const result = runNeuronJob(
    out,
    {
      kind: TOPIMPACT_KIND,
      title: p.shard ? `${title}, shard ${p.shard.index}/${p.shard.count}` : title,
      key,
      params: stored,
      what: 'Top Impact run',
      neurons: mine,
      resumeJobId,
      store: ablationRunStore(wdb, 'topimpact', src.set.id, key, neurons, () => ({ explainRunId: null, params })),
      result: (id, seconds, reused) => ({ run: ablationRunInfo(wdb, repo.getAblationRun(wdb, id)!), seconds, reused }),
    },
    ctx,
    async ({ run, id, todo, neuronsDone }) => {
      const A = activations(db, src);
      const { oracle, release } = await makeOracle(db, prep, A, temperature, run.signal, false);
      try {
        const dead = new Set(
          getStats(db, src.set.id)
            .filter((s) => s.dead)
            .map((s) => s.neuron),
        );
        for (const block of neuronBlocks(todo, p.blockSize, run)) {
          const res = await topImpactLayer(blockOracle(oracle, block), subColumns(A, block), { curveBetas, signal: run.signal });
          run.throwIfCancelled();
          wdb.transaction(() => {
            res.perNeuron.forEach((r, j) => {
              const d: TopImpactDetails = {
                atBetas: Array.from(r.atBetas, fin),
                curve: Array.from(r.curve, fin),
                total: r.total,
                flag: r.flag ?? (dead.has(block[j]) ? 'dead' : null),
                accTermUsed: res.accTermUsed,
              };
              repo.putAblationNeuron(wdb, id, block[j], d);
            });
            neuronsDone(block.length);
          })();
        }
      } finally {
        await release();
      }
    },
    {
      startMessage: 'zero-ablating',
      start: (run) =>
        run.recordProvenance({
          hashes: { model: src.modelSha, manifest: src.manifestHash, activationSet: String(src.set.id) },
          seeds: { split: p.seed },
        }),
    },
  );
  return finish(result);
}

export const topImpactJobKind: JobKind = {
  kind: TOPIMPACT_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runTopImpact(state, TopImpactParams.parse(stored), ctx, jobId),
};
