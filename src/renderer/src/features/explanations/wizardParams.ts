import type { ExplainParams } from '../../../../shared/contract';

// The wizard's hyperparameters as text fields (what the user types), their defaults and one-line meanings.

export type Order = ExplainParams['order'];
export type LambdaSelection = ExplainParams['lambdaSelection'];

export interface ParamDraft {
  eta: string;
  lambda: string;
  lambdaSelection: LambdaSelection;
  maxConcepts: string;
  width: string;
  eps: string;
  order: Order;
}

export const DEFAULT_PARAMS: ParamDraft = {
  eta: '0.99',
  lambda: String(0.05 / 0.99),
  lambdaSelection: 'fixed',
  maxConcepts: '10',
  width: '10',
  eps: '0.02',
  order: 'signed',
};

export interface NumField {
  key: 'eta' | 'lambda' | 'maxConcepts' | 'width' | 'eps';
  label: string;
  hint: string;
  min: number;
  max: number;
  int: boolean;
  /** min is exclusive */
  open?: boolean;
}

export const NUM_FIELDS: NumField[] = [
  { key: 'eta', label: 'η (eta)', hint: 'elastic-net mix: share of L1 (sparsity) in the penalty; 0.99 = almost pure lasso', min: 0, max: 1, int: false, open: true },
  { key: 'lambda', label: 'λ (lambda)', hint: 'penalty strength of the concept ranking; reference 0.05 / 0.99 ≈ 0.0505', min: 0, max: 100, int: false, open: true },
  { key: 'maxConcepts', label: 'v', hint: 'most concepts in one explanation (10 = the slots of the LE results CSV)', min: 1, max: 10, int: true },
  { key: 'width', label: 'r', hint: 'candidates tried per greedy round, taken in ranking order', min: 1, max: 1000, int: true },
  { key: 'eps', label: 'ε (eps)', hint: 'a candidate improving val correlation by less than this is banned for good', min: 0, max: 1, int: false },
];

export function fieldError(f: NumField, text: string): string | null {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) return 'a number';
  if (f.int && !Number.isInteger(v)) return 'a whole number';
  if (f.open ? v <= f.min : v < f.min) return `${f.open ? 'above' : 'at least'} ${f.min}`;
  if (v > f.max) return `at most ${f.max}`;
  return null;
}

export function paramsValid(d: ParamDraft): boolean {
  return NUM_FIELDS.every((f) => (f.key === 'lambda' && d.lambdaSelection === 'val') || fieldError(f, d[f.key]) === null);
}

/**
 * Rough work estimate in image-column passes: per neuron, the elastic net over every concept (a λ path costs
 * about 20 fits) plus v rounds of r small least-squares fits, each over every image.
 */
export function workUnits(neurons: number, images: number, concepts: number, d: ParamDraft): number {
  const v = Number(d.maxConcepts) || 10;
  const r = Number(d.width) || 10;
  return neurons * images * (concepts * (d.lambdaSelection === 'val' ? 20 : 1) + v * r);
}

/** Measured on the 2-core dev box: ~50M units per second (3,136 neurons x 300 images x 12 concepts in ~2 s). */
export const UNITS_PER_SECOND = 50_000_000;

/**
 * Above this many units (about a minute) the wizard asks for a confirmation first. localStorage
 * 'nwb:explain-warn-units' overrides it (the e2e spec lowers it to see the warning on small fixtures).
 */
export function expensiveThreshold(): number {
  const o = Number(window.localStorage.getItem('nwb:explain-warn-units'));
  return Number.isFinite(o) && o > 0 ? o : 60 * UNITS_PER_SECOND;
}

export function formatDuration(seconds: number): string {
  if (seconds < 10) return 'a few seconds';
  if (seconds < 90) return `about ${Math.round(seconds / 10) * 10} s`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min`;
  return `about ${(seconds / 3600).toFixed(1)} h`;
}
