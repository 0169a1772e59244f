import { methodLabel } from '../../../../shared/methodNames';

// Run parameters in words for the title page (the raw JSON is in the JSON export).

export const methodName = methodLabel;

const NAMES: Record<string, string> = {
  seed: 'split seed',
  lambda: 'elastic-net lambda',
  lambdaSelection: 'lambda selection',
  eta: 'eta (l1 ratio)',
  maxConcepts: 'at most concepts',
  width: 'candidates per round',
  eps: 'greedy stop (eps)',
  order: 'concept order',
  blockSize: 'neurons per block',
};

// Shown in their own rows of the title page (explainer, calibration) or not a result-changing choice (blockSize).
const SKIP = new Set(['activationSetId', 'neurons', 'conceptSource', 'blockSize', 'explainerSha', 'calibration']);

function value(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** "split seed 0, elastic-net lambda 0.0505, ..." for the given keys (default: every parameter a reader needs). */
export function paramsInWords(params: Record<string, unknown>, keys?: string[]): string {
  const ks = keys ?? Object.keys(params).filter((k) => !SKIP.has(k));
  return (
    ks
      .filter((k) => params[k] !== undefined)
      .map((k) => `${NAMES[k] ?? k} ${value(params[k])}`)
      .join(', ') || '—'
  );
}
