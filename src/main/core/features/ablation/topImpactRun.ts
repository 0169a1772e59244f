import type { CallContext } from '../../../../shared/define';
import { TopImpactParams, type AblationRunInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { TOP_IMPACT_BETAS, topImpactGrid, topImpactLayer } from '../../numeric/ablation';
import { isOwnerAlive } from '../../platform/jobs/owner';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import * as repo from '../../platform/store/ablationRepo';
import { getStats } from '../../platform/store/activationRepo';
import { findUnfinishedJob, getJob } from '../../platform/store/jobRepo';
import { stmt } from '../../platform/store/statements';
import { ablationRunInfo, activations, blockOracle, makeOracle, defaultSplit, ensureTemperature, fin, prepare, sortedNeurons, subColumns } from './common';

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

export async function runTopImpact(state: BackendState, p: TopImpactParams, ctx: CallContext, resumeJobId?: number): Promise<{ run: AblationRunInfo; seconds: number; reused: boolean }> {
  const project = state.requireProject();
  const { db } = project;
  const prep = await prepare(db, p.activationSetId, p.mapping, 'Top Impact');
  const { src, labels } = prep;
  // Checks before the first write (the split, the temperature fit): a refused call leaves the project untouched.
  const all = Array.from({ length: src.set.nNeurons }, (_, k) => k);
  const neurons = sortedNeurons(p.neurons, all, src.set.nNeurons);
  const split = defaultSplit(db, src, p.seed);
  const fitted = p.temperature === undefined ? ensureTemperature(db, src, split, prep.mapping, labels) : null;
  const temperature = p.temperature ?? fitted!.temperature;
  const key = JSON.stringify({ temperature, temperatureSource: fitted ? 'fitted' : 'given', splitId: fitted ? split.id : null, mapping: prep.mapping.key, neurons: p.neurons ? neurons : 'all' });
  const existing = repo.findAblationRun(db, 'topimpact', src.set.id, key);
  if (existing?.complete && resumeJobId === undefined) return { run: ablationRunInfo(db, existing), seconds: 0, reused: true };
  if (resumeJobId === undefined) {
    const rows = stmt(db, `SELECT id, owner FROM jobs WHERE kind = ? AND status = 'running' AND json_extract(params_json, '$.key') = ?`).all(TOPIMPACT_KIND, key) as { id: number; owner: string | null }[];
    const live = rows.find((r) => isOwnerAlive(r.owner));
    if (live) throw new AppError('busy', `The same Top Impact run is already running (job ${live.id}).`, { jobId: live.id });
  }
  const prior = existing?.jobId == null ? undefined : getJob(db, existing.jobId);
  const jobId = resumeJobId ?? (prior && prior.status !== 'done' ? prior.id : findUnfinishedJob(db, TOPIMPACT_KIND, 'key', key)?.id);
  const title = `Top Impact ${src.set.tensorName} (${neurons.length} neurons)`;
  const t0 = performance.now();
  const curveBetas = topImpactGrid();

  return runJob(project, { kind: TOPIMPACT_KIND, title, params: { ...p, key }, jobId }, ctx, async (run) => {
    const params = {
      ...p, temperature, temperatureSource: fitted ? 'fitted' : 'given', temperatureFit: fitted, betas: [...TOP_IMPACT_BETAS], curveBetas: Array.from(curveBetas),
      mapping: prep.mapping.info.rows, mappingSource: prep.mapping.info.source, accuracy: prep.mapping.info.accuracy, head: prep.head.info, oraclePath: prep.path,
    };
    const id = existing?.id ?? repo.createAblationRun(db, { kind: 'topimpact', activationSetId: src.set.id, explainRunId: null, runId: run.runId, jobId: run.jobId, key, params, neurons });
    if (existing) repo.setAblationRunJob(db, id, run.jobId);
    run.recordProvenance({ hashes: { model: src.modelSha, manifest: src.manifestHash, activationSet: String(src.set.id) }, seeds: { split: split.seed } });
    const done = repo.doneAblationNeurons(db, id);
    const todo = neurons.filter((k) => !done.has(k));
    let finished = neurons.length - todo.length;
    run.progress(finished, neurons.length, finished ? `resuming at neuron ${finished + 1} of ${neurons.length}` : `zero-ablating ${neurons.length} neurons`);
    if (todo.length) {
      const A = activations(db, src);
      const { oracle, release } = await makeOracle(db, prep, A, temperature, run.signal, false);
      try {
      const dead = new Set(getStats(db, src.set.id).filter((s) => s.dead).map((s) => s.neuron));
      for (let b0 = 0; b0 < todo.length; b0 += p.blockSize) {
        run.throwIfCancelled();
        const block = todo.slice(b0, b0 + p.blockSize);
        const res = await topImpactLayer(blockOracle(oracle, block), subColumns(A, block), { curveBetas, signal: run.signal });
        run.throwIfCancelled();
        db.transaction(() => {
          res.perNeuron.forEach((r, j) => {
            const d: TopImpactDetails = {
              atBetas: Array.from(r.atBetas, fin), curve: Array.from(r.curve, fin), total: r.total,
              flag: r.flag ?? (dead.has(block[j]) ? 'dead' : null), accTermUsed: res.accTermUsed,
            };
            repo.putAblationNeuron(db, id, block[j], d);
          });
          finished += block.length;
          run.progress(finished, neurons.length, `${finished} of ${neurons.length} neurons`);
        })();
      }
      } finally {
        await release();
      }
    }
    repo.completeAblationRun(db, id);
    return { run: ablationRunInfo(db, repo.getAblationRun(db, id)!), seconds: (performance.now() - t0) / 1000, reused: false };
  });
}

export const topImpactJobKind: JobKind = {
  kind: TOPIMPACT_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runTopImpact(state, TopImpactParams.parse(stored), ctx, jobId),
};
