import { formatCount } from '../../lib/format';
import { formatCorr, runTitle } from '../explanations';
import { runContext, type Inventory } from './inventory';

/** Step 1: the explanation run whose explanations are scored (its layer, model and probe set shown). */
export function StepRun({
  inv,
  runId,
  onRun,
  onOpenExplanations,
}: {
  inv: Inventory;
  runId: number | null;
  onRun: (id: number) => void;
  onOpenExplanations: () => void;
}) {
  if (inv.runs.length === 0)
    return (
      <div>
        <p className="hint">No explanation runs yet: explain a layer first, then score its explanations here.</p>
        <button type="button" onClick={onOpenExplanations}>
          Open Explanations
        </button>
      </div>
    );
  return (
    <fieldset className="wiz-sets" data-testid="abl-runs">
      <legend>Explanation run</legend>
      {inv.runs.map((r) => {
        const c = runContext(inv, r.id);
        const ok = r.status === 'done';
        return (
          <label
            key={r.id}
            className={`wiz-set${ok ? '' : ' disabled'}`}
            data-testid="abl-run"
            data-id={r.id}
            data-tensor={c?.set?.tensorName ?? ''}
          >
            <input type="radio" name="abl-run" checked={runId === r.id} disabled={!ok} onChange={() => onRun(r.id)} />
            <span>
              <strong>{runTitle(r)}</strong> <span className="mono">{c?.set?.tensorName ?? ''}</span>
            </span>
            <span className="hint">
              {c?.model?.name ?? '?'} · {formatCount(r.neuronsTotal)} neurons · {c?.probeSet?.name ?? 'probe set'} (
              {formatCount(c?.set?.nImages ?? 0)} images) · test r {formatCorr(r.means.testCorrelation)}
              {!ok && ` · ${r.status}: finish the run first`}
            </span>
          </label>
        );
      })}
    </fieldset>
  );
}
