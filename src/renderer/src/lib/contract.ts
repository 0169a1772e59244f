import {
  ablationMethods,
  clusterMethods,
  compareMethods,
  conceptMethods,
  describerMethods,
  dissectMethods,
  explainMethods,
  jobMethods,
  modelMethods,
  probeMethods,
  projectMethods,
  ratingMethods,
  reportMethods,
  type Contract,
  type MethodName,
} from '../../../shared/contract';
import type { InputOf, MethodsOfKind, OutputOf } from '../../../shared/define';

// Names and shapes derived from the contract (src/shared/contract): nothing here is typed by hand, so a method
// added, renamed or turned into a job changes these types and the compiler lists every place to follow.

export type { Contract, MethodName };

/** A method's input as a caller writes it (defaults optional). */
export type In<K extends MethodName> = InputOf<Contract, K>;
/** A method's output. */
export type Out<K extends MethodName> = OutputOf<Contract, K>;

/** Methods declared with job(): they stream progress and can be cancelled; started through the job store. */
export type JobMethod = MethodsOfKind<Contract, 'job'>;
/** Methods declared with method(): plain request / response, read through queries or run as mutations. */
export type PlainMethod = MethodsOfKind<Contract, 'method'>;

/** The contract's features, one file each in src/shared/contract/ and one folder each in features/. */
export const FEATURE_METHODS = {
  project: projectMethods,
  probes: probeMethods,
  jobs: jobMethods,
  models: modelMethods,
  explanations: explainMethods,
  ablation: ablationMethods,
  concepts: conceptMethods,
  reports: reportMethods,
  describers: describerMethods,
  dissect: dissectMethods,
  compare: compareMethods,
  ratings: ratingMethods,
  cluster: clusterMethods,
} as const;

export type Feature = keyof typeof FEATURE_METHODS;
export const FEATURES = Object.keys(FEATURE_METHODS) as Feature[];

/** The methods of one feature, e.g. FeatureMethod<'models'> = 'model.add' | 'model.list' | ... */
export type FeatureMethod<F extends Feature> = keyof (typeof FEATURE_METHODS)[F] & MethodName;

const FEATURE_OF = new Map<string, Feature>(FEATURES.flatMap((f) => Object.keys(FEATURE_METHODS[f]).map((m) => [m, f] as const)));

/** The feature whose contract file declares `method` (undefined for a name that is not a method). */
export function featureOf(method: string): Feature | undefined {
  return FEATURE_OF.get(method);
}
