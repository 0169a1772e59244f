import { formatCount, formatEta } from '../lib/format';

/** Determinate when total > 0 ("n / N" + ETA), indeterminate before the first progress message. */
export function ProgressBar({
  done,
  total,
  etaSeconds,
  message,
  compact = false,
  showEta = true,
  testId,
}: {
  done: number;
  total: number;
  etaSeconds?: number;
  message?: string;
  compact?: boolean;
  /** Show the ETA ("estimating…" until one is known); off where nothing estimates it (a cluster shard's file). */
  showEta?: boolean;
  testId?: string;
}) {
  const known = total > 0;
  const pct = known ? Math.min(100, (done / total) * 100) : 0;
  return (
    <div className={`progress${compact ? ' compact' : ''}`} data-testid={testId} data-done={done} data-total={total}>
      <div
        className={`progress-track${known ? '' : ' indeterminate'}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={known ? total : undefined}
        aria-valuenow={known ? done : undefined}
      >
        <div className="progress-fill" style={{ width: known ? `${pct}%` : undefined }} />
      </div>
      {!compact && (
        <div className="progress-text">
          <span className="progress-count">{known ? `${formatCount(done)} / ${formatCount(total)}` : 'starting…'}</span>
          {known && showEta && <span className="progress-eta">{formatEta(etaSeconds)}</span>}
          {message && <span className="progress-message">{message}</span>}
        </div>
      )}
    </div>
  );
}
