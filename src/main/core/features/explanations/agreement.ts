import type { RunAgreement } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { simulatorNames } from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import type { ExplainRunRow } from '../../platform/store/explanationRepo';
import { resultRows } from './results';
import { primarySimulator, requireRun } from './runInfo';

// Two explanation methods over one layer (two explain runs of one activation set), neuron by neuron:
// - top concept: the term with the largest |weight| (the first of equal ones); the share of compared neurons
//   whose top concepts are the same;
// - Jaccard index of the two concept sets |A ∩ B| / |A ∪ B| per neuron, and its mean;
// - test correlation of each run's explanation under that run's own simulator, and the difference A - B.
// Compared neurons: those both runs explained (not dead, an explanation stored). One call for the whole layer.

type Row = RunAgreement['rows'][number];

/** The concept of the largest |weight|, or null for an explanation without terms. */
export function topConcept(terms: ReadonlyArray<{ concept: string; weight: number }>): string | null {
  let best: { concept: string; weight: number } | null = null;
  for (const t of terms) if (!best || Math.abs(t.weight) > Math.abs(best.weight)) best = t;
  return best ? best.concept : null;
}

/** |A ∩ B| / |A ∪ B| of two concept sets; null when both are empty. */
export function jaccard(a: ReadonlyArray<string>, b: ReadonlyArray<string>): number | null {
  const A = new Set(a);
  const B = new Set(b);
  const union = new Set([...A, ...B]).size;
  if (union === 0) return null;
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / union;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

function side(db: Db, run: ExplainRunRow, names: Map<string, string>): RunAgreement['a'] {
  const simulator = primarySimulator(run);
  return { runId: run.id, method: run.method, simulator, simulatorName: names.get(simulator) ?? simulator.slice(0, 12) };
}

export function runAgreement(db: Db, runA: number, runB: number): RunAgreement {
  const a = requireRun(db, runA);
  const b = requireRun(db, runB);
  if (a.activationSetId !== b.activationSetId)
    throw new AppError(
      'bad_input',
      `Run ${a.id} explains activation set ${a.activationSetId} and run ${b.id} activation set ${b.activationSetId}: methods are compared over one layer. Pick two runs of the same activation set.`,
    );
  const names = simulatorNames(db);
  const rowsB = new Map(resultRows(db, b).map((r) => [r.neuron, r]));
  const rows: Row[] = [];
  for (const ra of resultRows(db, a)) {
    const rb = rowsB.get(ra.neuron);
    // Explained in both: not dead, and an explanation stored (a neuron skipped for NaN has no terms and no score).
    if (!rb || ra.dead || rb.dead || ra.testCorrelation === null || rb.testCorrelation === null) continue;
    const topA = topConcept(ra.terms);
    const topB = topConcept(rb.terms);
    rows.push({
      neuron: ra.neuron,
      topA,
      topB,
      sameTop: topA !== null && topA === topB,
      jaccard: jaccard(
        ra.terms.map((t) => t.concept),
        rb.terms.map((t) => t.concept),
      ),
      textA: ra.text,
      textB: rb.text,
      testA: ra.testCorrelation,
      testB: rb.testCorrelation,
      diff: ra.testCorrelation - rb.testCorrelation,
    });
  }
  const same = rows.filter((r) => r.sameTop).length;
  return {
    activationSetId: a.activationSetId,
    a: side(db, a, names),
    b: side(db, b, names),
    neurons: rows.length,
    sameTop: same,
    sameTopShare: rows.length ? same / rows.length : null,
    meanJaccard: mean(rows.flatMap((r) => (r.jaccard === null ? [] : [r.jaccard]))),
    meanTestA: mean(rows.map((r) => r.testA)),
    meanTestB: mean(rows.map((r) => r.testB)),
    meanDiff: mean(rows.map((r) => r.diff)),
    rows,
  };
}
