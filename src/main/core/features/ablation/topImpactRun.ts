import type { CallContext } from '../../../../shared/define';
import { TopImpactParams, type AblationRunInfo } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { TOP_IMPACT_BETAS, topImpactGrid, topImpactLayer } from '../../numeric/ablation';
import type { JobKind } from '../../platform/jobs/registry';
import { neuronBlocks, runNeuronJob } from '../../platform/jobs/neuronRun';
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
): Promise<{ run: AblationRunInfo; seconds: number; reused: boolean }> {
  const project = state.requireProject();
  const { db } = project;
  const prep = await prepare(db, p.activationSetId, p.mapping, 'Top Impact');
  refuseNearChance(prep.mapping, 'Top Impact', p.confirmLowAccuracy);
  const { src, labels } = prep;
  // Checks before the first write (the split, the temperature fit): a refused call leaves the project untouched.
  const all = Array.from({ length: src.set.nNeurons }, (_, k) => k);
  const neurons = sortedNeurons(p.neurons, all, src.set.nNeurons);
  const split = defaultSplit(db, src, p.seed);
  const fitted = p.temperature === undefined ? ensureTemperature(db, src, split, prep.mapping, labels) : null;
  const temperature = p.temperature ?? fitted!.temperature;
  const key = JSON.stringify({
    temperature,
    temperatureSource: fitted ? 'fitted' : 'given',
    splitId: fitted ? split.id : null,
    mapping: prep.mapping.key,
    neurons: p.neurons ? neurons : 'all',
  });
  const title = `Top Impact ${src.set.tensorName} (${neurons.length} neurons)`;
  const curveBetas = topImpactGrid();
  const params = {
    ...p,
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

  return runNeuronJob(
    project,
    {
      kind: TOPIMPACT_KIND,
      title,
      key,
      params: p,
      what: 'Top Impact run',
      neurons,
      resumeJobId,
      store: ablationRunStore(db, 'topimpact', src.set.id, key, neurons, () => ({ explainRunId: null, params })),
      result: (id, seconds, reused) => ({ run: ablationRunInfo(db, repo.getAblationRun(db, id)!), seconds, reused }),
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
          db.transaction(() => {
            res.perNeuron.forEach((r, j) => {
              const d: TopImpactDetails = {
                atBetas: Array.from(r.atBetas, fin),
                curve: Array.from(r.curve, fin),
                total: r.total,
                flag: r.flag ?? (dead.has(block[j]) ? 'dead' : null),
                accTermUsed: res.accTermUsed,
              };
              repo.putAblationNeuron(db, id, block[j], d);
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
          seeds: { split: split.seed },
        }),
    },
  );
}

export const topImpactJobKind: JobKind = {
  kind: TOPIMPACT_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runTopImpact(state, TopImpactParams.parse(stored), ctx, jobId),
};
