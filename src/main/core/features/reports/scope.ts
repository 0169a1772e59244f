import { AppError } from '../../../../shared/errors';
import type { AblationRunInfo, ExplainRunInfo, ReportSpec, ResultRow } from '../../../../shared/contract';
import type { ReportScope } from './section';
import type { ReportSource } from './source';

// What a report is about, read once through the contract: the explain run (finished, else refused with a coded
// error), its activation set, model and probe set, every result row, the other runs of the same layer, and the
// ablation / Top Impact runs that belong to it.

const RESULTS_PAGE = 5000;

export async function requireFinishedRun(source: ReportSource, runId: number): Promise<ExplainRunInfo> {
  const run = (await source('explain.runs', {})).find((r) => r.id === runId);
  if (!run)
    throw new AppError(
      'not_found',
      `Explain run ${runId} does not exist in this project (it may have been deleted). List the runs with explain.runs.`,
    );
  if (run.status === 'running')
    throw new AppError(
      'busy',
      `Explain run ${runId} is still running (${run.neuronsDone} of ${run.neuronsTotal} neurons): wait for it to finish, then make the report.`,
      { runId },
    );
  if (run.status !== 'done')
    throw new AppError(
      'bad_input',
      `Explain run ${runId} stopped (${run.status}) after ${run.neuronsDone} of ${run.neuronsTotal} neurons: resume it${run.jobId ? ` (jobs.resume --jobId ${run.jobId})` : ''} and make the report when it is done.`,
      { runId },
    );
  return run;
}

async function allRows(source: ReportSource, runId: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (let offset = 0; ; offset += RESULTS_PAGE) {
    const page = await source('explain.results', { runId, offset, limit: RESULTS_PAGE, sort: { by: 'neuron', dir: 'asc' } });
    rows.push(...page.rows);
    if (rows.length >= page.total || !page.rows.length) return rows;
  }
}

function pickRun(
  runs: AblationRunInfo[],
  kind: 'ablation' | 'topimpact',
  wanted: number | undefined,
  belongs: (r: AblationRunInfo) => boolean,
  what: string,
): AblationRunInfo | null {
  const mine = runs.filter((r) => r.kind === kind && belongs(r));
  if (wanted === undefined) return mine.find((r) => r.status === 'done') ?? null; // newest first
  const r = mine.find((x) => x.id === wanted);
  if (!r)
    throw new AppError(
      'not_found',
      `${what} ${wanted} is not a ${kind === 'ablation' ? 'ablation run of this explain run' : 'Top Impact run of this layer'}.`,
    );
  if (r.status === 'running')
    throw new AppError('busy', `${what} ${wanted} is still running: wait for it to finish, then make the report.`);
  if (r.status !== 'done') throw new AppError('bad_input', `${what} ${wanted} stopped (${r.status}): resume it first.`);
  return r;
}

export async function resolveScope(
  spec: ReportSpec,
  source: ReportSource,
  signal: AbortSignal,
  progress: ReportScope['progress'],
): Promise<Omit<ReportScope, 'neurons'>> {
  const run = await requireFinishedRun(source, spec.run);
  const set = (await source('activations.list', {})).find((s) => s.id === run.activationSetId);
  if (!set) throw new AppError('not_found', `The activation set of explain run ${run.id} no longer exists.`);
  const model = (await source('model.list', {})).find((m) => m.id === set.modelId) ?? null;
  const probe = (await source('probe.list', {})).find((p) => p.id === set.probeSetId) ?? null;
  const otherRuns = (await source('explain.runs', { activationSetId: set.id })).filter((r) => r.id !== run.id && r.status === 'done');
  const ablationRuns = await source('ablation.runs', { activationSetId: set.id });
  return {
    spec,
    run,
    set,
    model,
    probe,
    rows: await allRows(source, run.id),
    otherRuns,
    ablation: pickRun(ablationRuns, 'ablation', spec.ablationRunId, (r) => r.explainRunId === run.id, 'Ablation run'),
    topImpact: pickRun(ablationRuns, 'topimpact', spec.topImpactRunId, () => true, 'Top Impact run'),
    encoders: await source('encoder.list', {}),
    studies: await source('ratings.studies', { activationSetId: set.id }),
    source,
    signal,
    progress,
  };
}
