import type { ProviderName } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';

export const PROVIDER_LABEL: Record<ProviderName, string> = {
  cuda: 'CUDA (NVIDIA GPU)',
  dml: 'DirectML (Windows GPU)',
  coreml: 'Core ML (Apple)',
  cpu: 'CPU',
};
const PROVIDERS: ProviderName[] = ['cuda', 'dml', 'coreml', 'cpu'];

/**
 * Which execution provider would run here and why the faster ones were skipped (model.providers), with a
 * picker: "automatic" tries the platform's order; a named one is tried first, CPU stays the fallback.
 */
export function ProviderPanel({ provider, onProvider }: { provider: ProviderName | null; onProvider: (p: ProviderName | null) => void }) {
  const { data: report, error } = useContractQuery('model.providers', provider ? { provider } : {});

  return (
    <section className="card" aria-labelledby="providers-title" data-testid="provider-report">
      <div className="card-head">
        <h3 id="providers-title">Execution provider</h3>
        <label className="inline-field">
          <span>Use</span>
          <select
            value={provider ?? 'auto'}
            onChange={(e) => onProvider(e.target.value === 'auto' ? null : (e.target.value as ProviderName))}
            data-testid="provider-select"
          >
            <option value="auto">automatic (fastest available)</option>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {PROVIDER_LABEL[p]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={error} />
      {report && (
        <>
          <p>
            Runs on <strong data-testid="provider-used">{PROVIDER_LABEL[report.used]}</strong> with {report.threads} thread
            {report.threads === 1 ? '' : 's'}.
            {provider && provider !== report.used && (
              <span className="warn-text"> {PROVIDER_LABEL[provider]} is not usable here, so it falls back.</span>
            )}
          </p>
          <ul className="provider-list">
            {report.tried.map((t) => (
              <li key={t.provider} data-testid={`provider-${t.provider}`} data-ok={t.ok}>
                <span className={`badge ${t.ok ? 'status-done' : 'status-cancelled'}`}>{t.ok ? 'works' : 'skipped'}</span>{' '}
                {PROVIDER_LABEL[t.provider]}
                {t.reason && <span className="hint"> — {t.reason}</span>}
              </li>
            ))}
          </ul>
          <p className="hint">The choice applies to extractions started from this page.</p>
        </>
      )}
    </section>
  );
}
