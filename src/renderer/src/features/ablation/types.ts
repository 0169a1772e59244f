import type { In, Out } from '../../lib/contract';

// Contract-derived shapes of the Ablation screen.
export type AblationRun = Out<'ablation.runs'>[number];
export type MappingInfo = Out<'ablation.mapping'>;
export type HeadInfo = Out<'ablation.head'>;
export type TemperatureInfo = Out<'ablation.temperature'>;
export type AblationResultsData = Out<'ablation.results'>;
export type MethodSummary = AblationResultsData['methods'][number];
export type AblationRow = AblationResultsData['rows'][number];
export type TopImpactData = Out<'topimpact.results'>;
/** Optim / Norm scaling of the simulated activation. */
export type Mode = NonNullable<In<'ablation.run'>['modes']>[number];
export type Mapping = Record<string, number>;
