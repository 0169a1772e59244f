import type { RunInfo } from './types';

/** A correlation: 3 decimals, an em dash when there is none (dead neuron, not scored). */
export function formatCorr(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);
}

import { METHOD_LABEL } from '../../../../shared/methodNames';

export { METHOD_HINT, METHOD_LABEL, methodLabel } from '../../../../shared/methodNames';

/** The run's method as shown in lists: LE (labels), LE(SigLIP) or Imported. */
export function runMethodLabel(run: Pick<RunInfo, 'method'>): string {
  return run.method === 'imported' ? 'Imported' : METHOD_LABEL[run.method];
}

export function runTitle(run: RunInfo, layerName?: string): string {
  const what = runMethodLabel(run);
  return `#${run.id} ${what}${layerName ? ` · ${layerName}` : ''}`;
}
