import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import type { AblationNeuronRow, AblationResults, TopImpactResults } from '../../../../shared/contract';
import type { BackendState } from '../../platform/context';
import { ablationSummary, meanWithStandardError, type MeanWithError, type QuadraticFit } from '../../numeric/ablation';
import { resolveSet } from '../explanations';
import { explanationText } from '../explanations';
import * as repo from '../../platform/store/ablationRepo';
import { runExplanations } from '../../platform/store/explanationRepo';
import { runAblation, type NeuronDetails } from './ablationRun';
import { ablationRunInfo, defaultSplit, ensureTemperature, fin, prepare, requireAblationRun } from './common';
import { discoverHead } from './head';
import { resolveMapping } from './mapping';
import { checkAblationRun } from './check';
import { runTopImpact, type TopImpactDetails } from './topImpactRun';

type AblationMethodNames =
  | 'ablation.head'
  | 'ablation.mapping'
  | 'ablation.check'
  | 'ablation.temperature'
  | 'ablation.run'
  | 'ablation.runs'
  | 'ablation.results'
  | 'topimpact.run'
  | 'topimpact.results';

const meanSE = (m: MeanWithError) => ({ mean: fin(m.mean), standardError: fin(m.standardError), n: m.n });
const quad = (q: QuadraticFit | undefined) => (q ? { a: fin(q.a), b: fin(q.b), c: fin(q.c), r2: fin(q.r2), n: q.n } : null);

export function ablationResults(
  db: ReturnType<BackendState['requireProject']>['db'],
  ablationRunId: number,
  offset: number,
  limit: number,
): AblationResults {
  const r = requireAblationRun(db, ablationRunId, 'ablation');
  const exps = new Map(runExplanations(db, r.explainRunId!).map((e) => [e.id, e]));
  // Correlation under the same simulator the ablation used (label simulator for runs made before simulators).
  const simKey = typeof r.params.simulatorKey === 'string' ? r.params.simulatorKey : 'label';
  const rows: AblationNeuronRow[] = [];
  for (const { neuron, details } of repo.ablationNeurons<NeuronDetails>(db, r.id)) {
    for (const [method, m] of Object.entries(details.methods).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const e = exps.get(m.explanationId);
      const corr = e?.scores.find((s) => s.metric === 'correlation' && s.split === 'test' && s.simulator === simKey)?.value ?? null;
      rows.push({
        neuron,
        method,
        explanationId: m.explanationId,
        text: e ? explanationText(e.terms, e.bias) : '',
        testCorrelation: corr,
        valMean: m.valMean,
        denominator: m.denominator,
        flag: m.flag,
        optim: m.optim ? { c: m.optim.c, d: m.optim.d, score: m.optim.score } : null,
        norm: m.norm ? { c: m.norm.c, d: m.norm.d, score: m.norm.score } : null,
      });
    }
  }
  const methods = [...new Set(rows.map((x) => x.method))].sort();
  const nan = (x: number | null | undefined) => (x === null || x === undefined ? NaN : x);
  const perMethod = methods.map((method) => {
    const mine = rows.filter((x) => x.method === method);
    const corr = mine.map((x) => nan(x.testCorrelation));
    const s = ablationSummary(
      mine.map((x) => ({
        flag: x.flag,
        optim: x.optim ? { score: nan(x.optim.score) } : undefined,
        norm: x.norm ? { score: nan(x.norm.score) } : undefined,
      })),
      corr,
    );
    return {
      method,
      optim: meanSE(s.optim),
      norm: meanSE(s.norm),
      flagged: s.flagged,
      correlation: meanSE(meanWithStandardError(corr)),
      optimVsCorrelation: quad(s.optimVsCorrelation),
      normVsCorrelation: quad(s.normVsCorrelation),
      scatter: {
        method,
        neurons: mine.map((x) => x.neuron),
        correlation: mine.map((x) => x.testCorrelation),
        optim: mine.map((x) => x.optim?.score ?? null),
        norm: mine.map((x) => x.norm?.score ?? null),
      },
    };
  });
  return {
    run: ablationRunInfo(db, r),
    methods: perMethod.map(({ scatter: _s, ...m }) => m),
    total: rows.length,
    rows: rows.slice(offset, offset + limit),
    scatter: perMethod.map((m) => m.scatter),
  };
}

export function topImpactResults(db: ReturnType<BackendState['requireProject']>['db'], id: number, neuron?: number): TopImpactResults {
  const r = requireAblationRun(db, id, 'topimpact');
  const betas = r.params.betas as number[];
  const curveBetas = r.params.curveBetas as number[];
  const list = repo.ablationNeurons<TopImpactDetails>(db, r.id);
  const defined = list.filter((x) => x.details.total > 0);
  const mean = (get: (d: TopImpactDetails) => (number | null)[], len: number) =>
    Array.from({ length: len }, (_, b) =>
      defined.length ? fin(defined.reduce((a, x) => a + (get(x.details)[b] ?? NaN), 0) / defined.length) : null,
    );
  const one = neuron === undefined ? undefined : list.find((x) => x.neuron === neuron);
  return {
    run: ablationRunInfo(db, r),
    betas,
    curveBetas,
    meanAtBetas: mean((d) => d.atBetas, betas.length),
    meanCurve: mean((d) => d.curve, curveBetas.length),
    definedNeurons: defined.length,
    accTermUsed: list.every((x) => x.details.accTermUsed),
    neurons: list.map((x) => ({ neuron: x.neuron, atBetas: x.details.atBetas, total: x.details.total, flag: x.details.flag })),
    curve: one ? { neuron: one.neuron, values: one.details.curve } : null,
  };
}

/** Handlers of ablation scoring and Top Impact. */
export function createAblationHandlers(state: BackendState): Pick<Handlers<Contract>, AblationMethodNames> {
  const db = () => state.requireProject().db;
  return {
    'ablation.head': async ({ activationSetId }) => (await discoverHead(db(), resolveSet(db(), activationSetId))).info,
    'ablation.mapping': ({ activationSetId, mapping }) => resolveMapping(db(), resolveSet(db(), activationSetId), mapping).info,
    'ablation.temperature': async ({ activationSetId, seed, mapping }) => {
      const prep = await prepare(db(), activationSetId, mapping, 'The temperature fit');
      return ensureTemperature(db(), prep.src, defaultSplit(db(), prep.src, seed), prep.mapping, prep.labels);
    },
    'ablation.check': ({ explainRunId }) => checkAblationRun(db(), explainRunId),
    'ablation.run': (input, ctx) => runAblation(state, input, ctx),
    'ablation.runs': ({ activationSetId }) => repo.listAblationRuns(db(), activationSetId).map((r) => ablationRunInfo(db(), r)),
    'ablation.results': ({ ablationRunId, offset, limit }) => ablationResults(db(), ablationRunId, offset, limit),
    'topimpact.run': (input, ctx) => runTopImpact(state, input, ctx),
    'topimpact.results': ({ topImpactRunId, neuron }) => topImpactResults(db(), topImpactRunId, neuron),
  };
}
