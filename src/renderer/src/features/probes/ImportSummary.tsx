import { ImportResult } from '../../../../shared/contract';
import { formatCount } from '../../lib/format';

const FIELDS = ['added', 'updated', 'unchanged', 'removed', 'skipped'] as const;

/** The finished import's counts. `output` comes from the job store (any job's output), so it is checked against the contract. */
export function ImportSummary({ output, onShow }: { output: unknown; onShow?: (probeSetId: number) => void }) {
  const parsed = ImportResult.safeParse(output);
  if (!parsed.success) return <p className="hint">Finished.</p>;
  const r = parsed.data;
  return (
    <div className="import-result" data-testid="import-result">
      <dl className="stat-row">
        <div className="stat">
          <dt>images</dt>
          <dd data-testid="import-result-images">{formatCount(r.images)}</dd>
        </div>
        {FIELDS.map((f) => (
          <div key={f} className={`stat${f === 'skipped' && r.skipped > 0 ? ' warn' : ''}`}>
            <dt>{f}</dt>
            <dd data-testid={`import-result-${f}`}>{formatCount(r[f])}</dd>
          </div>
        ))}
        <div className="stat">
          <dt>seconds</dt>
          <dd data-testid="import-result-seconds">{r.seconds.toFixed(1)}</dd>
        </div>
      </dl>
      {r.warnings.length > 0 && (
        <ul className="warn-text" data-testid="import-result-warnings">
          {r.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {onShow && (
        <button type="button" className="primary" onClick={() => onShow(r.probeSetId)} data-testid="import-show">
          View probe set
        </button>
      )}
    </div>
  );
}
