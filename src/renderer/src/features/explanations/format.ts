import type { Explanation, RunInfo } from './types';

/** A correlation: 3 decimals, an em dash when there is none (dead neuron, not scored). */
export function formatCorr(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);
}

export const METHOD_LABEL: Record<Explanation['method'], string> = {
  le_label: 'LE (labels)',
  le_siglip: 'LE(SigLIP)',
  best_concept: 'Best single concept',
  top5: 'Top-5 (no search)',
  imported: 'Imported',
};

export const METHOD_HINT: Record<Explanation['method'], string> = {
  le_label: 'Linear Explanation: elastic-net ranking, then greedy search on the val split',
  le_siglip: 'Linear Explanation over image-text concepts: P from a calibrated SigLIP/CLIP encoder',
  best_concept: 'baseline: the one concept whose label best correlates with the neuron',
  top5: 'baseline: the 5 highest-ranked concepts fitted together, without the greedy search',
  imported: 'explanation read from a file',
};

/** Any explanation method's label (unknown names as they are). */
export function methodLabel(m: string): string {
  return (METHOD_LABEL as Record<string, string>)[m] ?? m;
}

/** A score of an explanation: the label simulator's (or the file's reported) correlation on a split. */
export function scoreOf(e: Explanation, split: 'val' | 'test'): number | null {
  const rows = e.scores.filter((s) => s.split === split && s.metric.includes('corr'));
  const label = rows.find((s) => s.simulator === 'label') ?? rows[0];
  return label ? label.value : null;
}

/** The run's method as shown in lists: LE (labels), LE(SigLIP) or Imported. */
export function runMethodLabel(run: Pick<RunInfo, 'method'>): string {
  return run.method === 'imported' ? 'Imported' : METHOD_LABEL[run.method];
}

export function runTitle(run: RunInfo, layerName?: string): string {
  const what = runMethodLabel(run);
  return `#${run.id} ${what}${layerName ? ` · ${layerName}` : ''}`;
}
