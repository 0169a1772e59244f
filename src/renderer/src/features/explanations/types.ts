import type { Out } from '../../lib/types';

// Contract-derived shapes of the explanation pages.
export type RunInfo = Out<'explain.runs'>[number];
export type ResultRow = Out<'explain.results'>['rows'][number];
export type NeuronView = Out<'explain.neuron'>;
export type Explanation = NeuronView['explanations'][number];
export type Example = NeuronView['examples']['top'][number];
export type ConceptList = Out<'explain.concepts'>;
export type SplitResult = Out<'split.ensure'>;
/** What a series of the activation-range view is: class, superclass, CSV label or explanation concept. */
export type RangeKind = NeuronView['range']['labels'][number]['kind'];
