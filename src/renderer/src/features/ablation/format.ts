import { seriesColor } from '../../lib/colors';

/** An ablation score (or any small score): 4 decimals, an em dash when missing. */
export function formatScore(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** mean ± standard error. */
export function formatMeanSE(m: { mean: number | null; standardError: number | null }, digits = 4): string {
  if (m.mean === null) return '—';
  return m.standardError === null
    ? formatScore(m.mean, digits)
    : `${formatScore(m.mean, digits)} ± ${formatScore(m.standardError, digits)}`;
}

/** A share 0..1 as a percentage. */
export function formatPct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

export const METHOD_ORDER = ['le_label', 'best_concept', 'top5', 'imported', 'le_siglip'] as const;

/** One colour per explanation method, the same everywhere on this screen (and in both themes). */
export function methodColor(m: string): string {
  const i = (METHOD_ORDER as readonly string[]).indexOf(m);
  return seriesColor(i >= 0 ? i : 4 + (m.length % 8));
}

export const MODE_LABEL = { optim: 'Optim', norm: 'Norm' } as const;

/** The reference betas of Top Impact as researchers quote them. */
export function formatBeta(b: number): string {
  return `${Number((b * 100).toPrecision(3))}%`;
}
