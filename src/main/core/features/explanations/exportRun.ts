import { AppError } from '../../../../shared/errors';
import { ablationTestScores } from '../../platform/store/ablationRepo';
import type { Db } from '../../platform/store/open';
import { writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';
import { resolveSet } from './context';
import { csvLine } from '../../platform/files/csv';
import { resultRows } from './results';
import { requireRun, runInfo } from './runInfo';
import { sortTerms } from './text';

// explain.export: the LE results CSV users know (docs/methods.md "Interchange formats") or a JSON document
// with the structured terms, baselines and provenance.

export const CSV_SLOTS = 10;
export const CSV_HEADER = [
  'layer',
  'unit',
  'val correlation',
  ...Array.from({ length: CSV_SLOTS }, (_, i) => [`weight${i}`, `concept${i}`]).flat(),
  'bias',
  'sim correlation',
];
export const ABLATION_COLUMNS = ['sim ablation(optim)', 'sim ablation(norm)'];

/** Per neuron the latest test-split ablation scores of the run's primary explanations, or null when none. */
function ablationColumns(db: Db, runId: number, method: string): Map<number, { optim?: number; norm?: number }> | null {
  const rows = ablationTestScores(db, runId, method);
  if (!rows.length) return null;
  const out = new Map<number, { optim?: number; norm?: number }>();
  for (const r of rows) {
    const v = out.get(r.neuron) ?? {};
    if (r.metric === 'ablation_optim') v.optim = r.value;
    else v.norm = r.value;
    out.set(r.neuron, v);
  }
  return out;
}

export const JSON_FORMAT = 'neuron-workbench.explanations';

// String(x) is the shortest text that parses back to the same double: a CSV round trip is exact.
const num = (x: number | null): string => (x === null || !Number.isFinite(x) ? '' : String(x));

export async function exportRun(
  db: Db,
  runId: number,
  format: 'csv' | 'json',
  target: WriteTarget,
): Promise<{ path: string; rows: number; bytes: number }> {
  const run = requireRun(db, runId);
  const { set } = resolveSet(db, run.activationSetId);
  const rows = resultRows(db, run);
  let text: string;
  if (format === 'csv') {
    // Reference columns `sim ablation(optim)`, `sim ablation(norm)` when ablation.run scored this run (latest score).
    const abl = ablationColumns(db, run.id, run.method);
    const lines = [csvLine(abl ? [...CSV_HEADER, ...ABLATION_COLUMNS] : CSV_HEADER)];
    for (const r of rows) {
      const terms = sortTerms(r.terms);
      if (terms.length > CSV_SLOTS)
        throw new AppError(
          'bad_input',
          `Neuron ${r.neuron} has ${terms.length} concepts; the LE results CSV holds ${CSV_SLOTS}. Export JSON instead.`,
        );
      // Empty slots are 0, as in the reference files.
      const slots = Array.from({ length: CSV_SLOTS }, (_, i) => (terms[i] ? [num(terms[i].weight), terms[i].concept] : ['0', '0'])).flat();
      const a = abl?.get(r.neuron);
      const extra = abl ? [num(a?.optim ?? null), num(a?.norm ?? null)] : [];
      lines.push(csvLine([set.tensorName, r.neuron, num(r.valCorrelation), ...slots, num(r.bias), num(r.testCorrelation), ...extra]));
    }
    text = `${lines.join('\n')}\n`;
  } else {
    const doc = {
      format: JSON_FORMAT,
      version: 1,
      layer: set.tensorName,
      run: runInfo(db, run),
      neurons: rows.map((r) => ({
        unit: r.neuron,
        dead: r.dead,
        terms: r.terms,
        bias: r.bias,
        valCorrelation: r.valCorrelation,
        testCorrelation: r.testCorrelation,
        baselines: { bestConcept: r.bestConcept, top5: r.top5 },
      })),
    };
    text = `${JSON.stringify(doc, null, 1)}\n`;
  }
  const written = await writeFileSafely(target, (sink) => sink.write(text));
  return { path: written.path, rows: rows.length, bytes: written.bytes };
}
