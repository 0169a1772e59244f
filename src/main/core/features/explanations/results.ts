import type { ResultRow } from '../../../../shared/contract';
import { neuronStates, runExplanations, type ExplainRunRow, type StoredExplanation } from '../../platform/store/explanationRepo';
import { simulatorNames } from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import { primarySimulator } from './runInfo';
import { explanationText } from './text';

// The results table of a run: one row per finished neuron with the run's own explanation (le_label or
// imported), its scores, and the baselines' test correlations. Built in memory: a layer has at most a few
// thousand neurons, and filtering/sorting many ways is simpler here than in SQL.

type Split = 'val' | 'test';

/**
 * Correlation of an explanation under the run's own simulator (label simulator, or the explainer encoder of
 * an LE(SigLIP) run); an imported one falls back to the numbers its file carried.
 */
export function corr(e: StoredExplanation | undefined, split: Split, primary = 'label'): number | null {
  if (!e) return null;
  const pick = (sim: string) => e.scores.find((s) => s.simulator === sim && s.metric === 'correlation' && s.split === split)?.value;
  return pick(primary) ?? pick('reported') ?? null;
}

/** Test correlations under every other simulator the explanation was scored with. */
function otherSimulators(e: StoredExplanation | undefined, primary: string, names: Map<string, string>): ResultRow['simulated'] {
  if (!e) return [];
  return e.scores
    .filter((s) => s.metric === 'correlation' && s.split === 'test' && s.simulator !== primary && s.simulator !== 'reported')
    .map((s) => ({
      simulator: s.simulator,
      name: names.get(s.simulator) ?? s.simulator.slice(0, 12),
      testCorrelation: Number.isFinite(s.value) ? s.value : null,
    }));
}

export function resultRows(db: Db, run: ExplainRunRow): ResultRow[] {
  const primary = primarySimulator(run);
  const names = simulatorNames(db);
  const states = neuronStates(db, run.id);
  const byNeuron = new Map<number, StoredExplanation[]>();
  for (const e of runExplanations(db, run.id)) byNeuron.set(e.neuron, [...(byNeuron.get(e.neuron) ?? []), e]);
  const rows: ResultRow[] = [];
  for (const [neuron, st] of states) {
    const list = byNeuron.get(neuron) ?? [];
    const main = list.find((e) => e.method === run.method);
    const base = (m: 'best_concept' | 'top5') => {
      const e = list.find((x) => x.method === m);
      return e ? { text: explanationText(e.terms, e.bias), testCorrelation: corr(e, 'test', primary) } : null;
    };
    rows.push({
      neuron,
      dead: st.dead,
      text: main
        ? explanationText(main.terms, main.bias)
        : st.dead
          ? 'dead neuron'
          : typeof st.details.reason === 'string'
            ? st.details.reason
            : '(no explanation)',
      terms: main?.terms ?? [],
      bias: main?.bias ?? 0,
      length: main?.terms.length ?? 0,
      valCorrelation: corr(main, 'val', primary),
      testCorrelation: corr(main, 'test', primary),
      bestConcept: base('best_concept'),
      top5: base('top5'),
      simulated: otherSimulators(main, primary, names),
    });
  }
  return rows;
}

export interface ResultQuery {
  sort?: { by: 'neuron' | 'valCorrelation' | 'testCorrelation' | 'length' | 'bestConceptTest' | 'top5Test'; dir: 'asc' | 'desc' };
  concept?: string;
  search?: string;
  includeDead: boolean;
  offset: number;
  limit: number;
}

const sortValue = (r: ResultRow, by: NonNullable<ResultQuery['sort']>['by']): number | null => {
  switch (by) {
    case 'neuron':
      return r.neuron;
    case 'length':
      return r.length;
    case 'valCorrelation':
      return r.valCorrelation;
    case 'testCorrelation':
      return r.testCorrelation;
    case 'bestConceptTest':
      return r.bestConcept?.testCorrelation ?? null;
    case 'top5Test':
      return r.top5?.testCorrelation ?? null;
  }
};

export const usesConcept = (r: ResultRow, text: string): boolean => {
  const t = text.trim().toLowerCase();
  return r.terms.some((x) => x.concept.toLowerCase().includes(t));
};

export function queryResults(rows: ResultRow[], q: ResultQuery): { total: number; rows: ResultRow[] } {
  let out = q.includeDead ? rows : rows.filter((r) => !r.dead);
  if (q.concept?.trim()) out = out.filter((r) => usesConcept(r, q.concept!));
  const s = q.search?.trim().toLowerCase();
  // A bare number jumps to that neuron; anything else searches the explanation text.
  if (s) out = /^\d+$/.test(s) ? out.filter((r) => r.neuron === Number(s)) : out.filter((r) => r.text.toLowerCase().includes(s));
  if (q.sort) {
    const { by, dir } = q.sort;
    const sign = dir === 'asc' ? 1 : -1;
    // Missing values (dead neurons, no baseline) go last in either direction; ties keep neuron order.
    out = [...out].sort((a, b) => {
      const x = sortValue(a, by);
      const y = sortValue(b, by);
      if (x === null || y === null) return x === y ? a.neuron - b.neuron : x === null ? 1 : -1;
      return sign * (x - y) || a.neuron - b.neuron;
    });
  }
  return { total: out.length, rows: out.slice(q.offset, q.offset + q.limit) };
}
