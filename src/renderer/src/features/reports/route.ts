import type { ReportSectionId } from '../../../../shared/contract/reports';
import { idParam } from '../../lib/router';

// Report: #/report (pick an explain run), #/report?run=3 (the report of run 3 with its default sections), and the
// choices as query words so a link preselects them and a reload keeps them:
// #/report?run=3&sections=ablation,summary&neurons=top:20&images=0&ablation=4&topimpact=5&title=My%20layer
export interface ReportRoute {
  screen: 'report';
  /** The explain run the report is about. */
  run?: number;
  /** Chosen sections; absent: every section the run has results for. */
  sections?: ReportSectionId[];
  /** The neuron selection in the contract's words (all, none, bookmarked, top:N[:key], bottom:N[:key], 3,17,42). */
  neurons?: string;
  /** false: no example images on the neuron pages. */
  images?: boolean;
  ablationRunId?: number;
  topImpactRunId?: number;
  title?: string;
}

/** The contract's section ids in report order (kept here as words: route files import nothing but lib/router). */
export const SECTION_IDS = [
  'summary',
  'ablation',
  'topimpact',
  'calibration',
  'dissect',
  'compare',
  'ratings',
  'neurons',
] as const satisfies readonly ReportSectionId[];

function isSection(s: string): s is ReportSectionId {
  return (SECTION_IDS as readonly string[]).includes(s);
}

export const reportRoute = {
  home: { screen: 'report' } as ReportRoute,
  parse(_segments: string[], query?: URLSearchParams): ReportRoute {
    const q = query ?? new URLSearchParams();
    const run = idParam(q.get('run') ?? undefined);
    const sections = q.get('sections')?.split(',').filter(isSection);
    const neurons = q.get('neurons')?.trim();
    const ablationRunId = idParam(q.get('ablation') ?? undefined);
    const topImpactRunId = idParam(q.get('topimpact') ?? undefined);
    const title = q.get('title')?.trim();
    return {
      screen: 'report',
      ...(run !== undefined ? { run } : {}),
      ...(sections?.length ? { sections: SECTION_IDS.filter((s) => sections.includes(s)) } : {}),
      ...(neurons ? { neurons } : {}),
      ...(q.get('images') === '0' ? { images: false } : {}),
      ...(ablationRunId !== undefined ? { ablationRunId } : {}),
      ...(topImpactRunId !== undefined ? { topImpactRunId } : {}),
      ...(title ? { title: title.slice(0, 200) } : {}),
    };
  },
  format: (): string[] => [],
  query(r: ReportRoute): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    if (r.run !== undefined) out.push(['run', String(r.run)]);
    if (r.sections?.length) out.push(['sections', r.sections.join(',')]);
    if (r.neurons) out.push(['neurons', r.neurons]);
    if (r.images === false) out.push(['images', '0']);
    if (r.ablationRunId !== undefined) out.push(['ablation', String(r.ablationRunId)]);
    if (r.topImpactRunId !== undefined) out.push(['topimpact', String(r.topImpactRunId)]);
    if (r.title) out.push(['title', r.title]);
    return out;
  },
};

/**
 * The report of explain run `run` with some sections chosen: what the "Report…" links of other screens open
 * (an ablation result preselects 'ablation' and names its run, Top Impact 'topimpact', a calibration 'calibration').
 */
export function reportOf(
  run: number | undefined,
  opts: { sections?: ReportSectionId[]; ablationRunId?: number; topImpactRunId?: number } = {},
): ReportRoute {
  return {
    screen: 'report',
    ...(run !== undefined ? { run } : {}),
    ...(opts.sections?.length ? { sections: opts.sections } : {}),
    ...(opts.ablationRunId !== undefined ? { ablationRunId: opts.ablationRunId } : {}),
    ...(opts.topImpactRunId !== undefined ? { topImpactRunId: opts.topImpactRunId } : {}),
  };
}
