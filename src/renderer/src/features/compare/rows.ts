import type { CompareLayer, CompareLayerRow } from '../../../../shared/contract';
import { METHOD_LABEL, methodLabel } from '../../../../shared/methodNames';

/** "#3 DnD (tally.csv)": the run a row belongs to. */
export function runLabel(r: CompareLayerRow): string {
  const what = r.runMethod === 'imported' ? 'Imported' : (METHOD_LABEL[r.runMethod] ?? r.runMethod);
  return `#${r.explainRunId} ${what}${r.runFile ? ` (${r.runFile})` : ''}`;
}

/** "#3 DnD · dnd_labels": one row (run + explanation method). */
export function rowLabel(r: CompareLayerRow): string {
  return `${runLabel(r)} · ${methodLabel(r.method)}`;
}

export { formatMeanSE as meanSE } from '../../lib/format';

/** The bar chart's data: one bar group per row, one bar per simulator (key = column index) with its SE whisker. */
export function chartData(table: CompareLayer): Array<Record<string, string | number | null>> {
  return table.rows.map((r) => {
    const point: Record<string, string | number | null> = { row: rowLabel(r) };
    table.simulators.forEach((s, i) => {
      const c = r.correlation[s.id];
      point[`m${i}`] = c?.mean ?? null;
      point[`e${i}`] = c?.standardError ?? 0;
    });
    return point;
  });
}
