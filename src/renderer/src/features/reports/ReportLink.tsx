import type { ReportSectionId } from '../../../../shared/contract/reports';
import { useApp } from '../../lib/appContext';
import { reportOf } from './route';

/**
 * "Report…": opens the Report screen for explain run `run` with `sections` preselected (and the ablation / Top Impact
 * run the caller shows). Other screens put it next to what they show; without a run it opens the run picker.
 */
export function ReportLink({
  run,
  sections,
  ablationRunId,
  topImpactRunId,
  what,
  testId,
  className,
}: {
  run: number | undefined;
  sections?: ReportSectionId[];
  ablationRunId?: number;
  topImpactRunId?: number;
  /** What the report will show, for the tooltip ("the ablation scores of run #4"). */
  what: string;
  testId: string;
  className?: string;
}) {
  const { navigate } = useApp();
  return (
    <button
      type="button"
      className={className}
      onClick={() => navigate(reportOf(run, { sections, ablationRunId, topImpactRunId }))}
      title={`Preview and export a report (PDF, HTML, JSON) of ${what}`}
      data-testid={testId}
    >
      Report…
    </button>
  );
}
