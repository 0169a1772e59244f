import { contract, type ExplainParams } from '../../../../shared/contract';
import { checkInput, defaultText, numberFromText, shapeOf, type InputCheck } from '../../lib/forms';

// The wizard's hyperparameters as text fields (what the user types) and their one-line meanings. Defaults, bounds
// and the checks come from explain.run's input schema (src/shared/contract/explanations.ts), never copied here.

export type Order = ExplainParams['order'];
export type LambdaSelection = ExplainParams['lambdaSelection'];

const INPUT = contract['explain.run'].input;
const FIELDS = shapeOf(INPUT);
/** The parameters the wizard edits, checked as a part of explain.run's input. */
const PARAMS = INPUT.pick({
  seed: true,
  eta: true,
  lambda: true,
  lambdaSelection: true,
  maxConcepts: true,
  width: true,
  eps: true,
  order: true,
});

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
  eta: defaultText(FIELDS.eta),
  lambda: defaultText(FIELDS.lambda),
  lambdaSelection: PARAMS.shape.lambdaSelection.parse(undefined),
  maxConcepts: defaultText(FIELDS.maxConcepts),
  width: defaultText(FIELDS.width),
  eps: defaultText(FIELDS.eps),
  order: PARAMS.shape.order.parse(undefined),
};

/** The split seed's default (explain.run and split.ensure share it). */
export const DEFAULT_SEED = defaultText(FIELDS.seed);

export interface NumField {
  key: 'eta' | 'lambda' | 'maxConcepts' | 'width' | 'eps';
  label: string;
  hint: string;
}

export const NUM_FIELDS: NumField[] = [
  { key: 'eta', label: 'η (eta)', hint: 'elastic-net mix: share of L1 (sparsity) in the penalty; 0.99 = almost pure lasso' },
  { key: 'lambda', label: 'λ (lambda)', hint: 'penalty strength of the concept ranking; reference 0.05 / 0.99 ≈ 0.0505' },
  { key: 'maxConcepts', label: 'v', hint: 'most concepts in one explanation (10 = the slots of the LE results CSV)' },
  { key: 'width', label: 'r', hint: 'candidates tried per greedy round, taken in ranking order' },
  { key: 'eps', label: 'ε (eps)', hint: 'a candidate improving val correlation by less than this is banned for good' },
];

export type ParamValues = Pick<ExplainParams, 'seed' | 'eta' | 'lambda' | 'lambdaSelection' | 'maxConcepts' | 'width' | 'eps' | 'order'>;

/**
 * The seed and the draft as explain.run would parse them: the values to send, or one message per field (λ is not
 * checked, nor sent, when it is chosen on val).
 */
export function checkParams(seed: string, d: ParamDraft): InputCheck<ParamValues> {
  return checkInput(PARAMS, {
    seed: numberFromText(seed),
    eta: numberFromText(d.eta),
    ...(d.lambdaSelection === 'fixed' ? { lambda: numberFromText(d.lambda) } : {}),
    lambdaSelection: d.lambdaSelection,
    maxConcepts: numberFromText(d.maxConcepts),
    width: numberFromText(d.width),
    eps: numberFromText(d.eps),
    order: d.order,
  });
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
