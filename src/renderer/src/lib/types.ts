import type { Out } from './contract';

// Contract-derived types several features use; one place so screens never restate a backend shape.
export type { In, Out } from './contract';

export type AppInfo = Out<'app.info'>;
export type ProjectInfo = NonNullable<Out<'project.current'>>;
export type RecentProject = Out<'project.recent'>[number];
export type ProbeSetInfo = Out<'probe.list'>[number];
export type ProbeSummary = Out<'probe.summary'>;
export type LabelCount = ProbeSummary['labels'][number];
export type ImageRow = Out<'probe.images'>['rows'][number];
export type SkippedFile = Out<'probe.skipped'>[number];
export type ImportResult = Out<'probe.import'>;
export type JobInfo = Out<'jobs.list'>[number];
export type DirListing = Out<'fs.list'>;
