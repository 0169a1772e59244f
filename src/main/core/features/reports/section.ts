import type {
  AblationRunInfo,
  ActivationSetInfo,
  EncoderInfo,
  ExplainRunInfo,
  ModelSummary,
  ProbeSetInfo,
  RatingStudy,
  ReportSectionId,
  ReportSpec,
  ResultRow,
} from '../../../../shared/contract';
import type { Markup } from '../../platform/report/html';
import type { ReportSource } from './source';

// The one small interface a capability implements to put its results in a report. A section says whether the
// run has results for it (and where they come from), collects its data through the contract (ReportSource),
// and lays that data out as whole pages. The document (document.ts) numbers the pages, builds the contents and
// the title page; the section list is sections/index.ts. A new capability (DnD, CLIP-Dissect, ratings) adds
// one file there and one id to ReportSectionId.

/** What every section may read: the run, where it came from, and the neurons chosen for the report. */
export interface ReportScope {
  spec: ReportSpec;
  run: ExplainRunInfo;
  set: ActivationSetInfo;
  model: ModelSummary | null;
  probe: ProbeSetInfo | null;
  /** Every result row of the run (one per neuron), as explain.results returns them. */
  rows: ResultRow[];
  /** Other finished explain runs of the same activation set (other methods, for comparison). */
  otherRuns: ExplainRunInfo[];
  ablation: AblationRunInfo | null;
  topImpact: AblationRunInfo | null;
  encoders: EncoderInfo[];
  /** Blind rating studies of the activation set, newest first. */
  studies: RatingStudy[];
  /** The neurons that get a page, in report order (empty when the neurons section is not chosen). */
  neurons: number[];
  source: ReportSource;
  signal: AbortSignal;
  /** Progress inside a section's collect (e.g. neuron pages), relative to its own total. */
  progress(done: number, total: number, message: string): void;
}

export interface Availability {
  available: boolean;
  /** What to run to get this section, when it is not available. */
  reason: string | null;
  /** Where its numbers come from, e.g. "ablation run 4 (label simulator)". */
  source: string | null;
}

/** One laid-out page of a section: the entry it gets in the contents (null = no entry) and its body. */
export interface SectionPage {
  title: string;
  toc: string | null;
  body: Markup;
}

export interface ReportSection<D> {
  id: ReportSectionId;
  title: string;
  availability(scope: ReportScope): Availability;
  collect(scope: ReportScope): Promise<D>;
  pages(data: D, scope: ReportScope): SectionPage[];
}

/** Erases a section's data type for the list in sections/index.ts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySection = ReportSection<any>;
