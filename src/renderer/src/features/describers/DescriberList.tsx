import { useState } from 'react';
import { useApp } from '../../lib/appContext';
import { formatBytes } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import { jobKey, useJob, useJobStore } from '../jobs';
import { RunStatus } from './RunStatus';
import { detailsText, FORMAT_WORDS, statusAdvice, type DescriberInfo } from './types';

/** The models of one role in the app-wide library: what and where they are, their status; select, check or remove one. */
export function DescriberList({
  models,
  selectedId,
  onSelect,
}: {
  models: DescriberInfo[];
  selectedId: number | null;
  onSelect: (id: number) => void;
}) {
  const { reportError, project } = useApp();
  const store = useJobStore();
  const remove = useContractMutation('describer.remove', { changes: ['describers'] });
  const [checkedId, setCheckedId] = useState<number | null>(null);
  const checkKey = jobKey('describer.check', project?.path, checkedId ?? 0);
  const check = useJob(checkKey);

  async function removeOne(d: DescriberInfo) {
    const where = d.path ?? d.endpoint?.baseUrl ?? '';
    if (!window.confirm(`Remove “${d.name}” from the library? Its files (${where}) and the results cached in projects stay.`)) return;
    try {
      await remove.run({ describerId: d.id });
    } catch (err) {
      reportError(err, 'Cannot remove the model');
    }
  }

  function checkOne(d: DescriberInfo) {
    setCheckedId(d.id);
    const key = jobKey('describer.check', project?.path, d.id);
    store.dismiss(key);
    void store.start(key, `Check ${d.name}`, 'describer.check', { describerId: d.id }, { toast: () => null });
  }

  if (models.length === 0) return <p className="hint">None yet: add one below.</p>;
  return (
    <div className="stack describer-list-wrap">
      <div className="table-scroll">
        <table className="table describer-list" data-testid="describer-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Format</th>
              <th>Path or endpoint</th>
              <th title="sha256 over the model’s files (names, sizes and bytes): the key of every cached result">sha256</th>
              <th className="num">Size</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((d) => {
              const advice = statusAdvice(d);
              return (
                <tr
                  key={d.id}
                  className={`select-row${d.id === selectedId ? ' selected' : ''}`}
                  onClick={() => onSelect(d.id)}
                  data-testid="describer-row"
                  data-id={d.id}
                  data-name={d.name}
                  data-status={d.status}
                >
                  <td>
                    <button type="button" className="link" onClick={() => onSelect(d.id)}>
                      {d.name}
                    </button>
                    <div className="hint describer-details" data-testid="describer-details">
                      {detailsText(d.details)}
                    </div>
                  </td>
                  <td>{FORMAT_WORDS[d.format]}</td>
                  <td className="mono describer-where" title={d.path ?? d.endpoint?.baseUrl}>
                    {d.path ??
                      (d.endpoint ? `${d.endpoint.baseUrl} · ${d.endpoint.model}${d.endpoint.hasApiKey ? ' · API key' : ''}` : '—')}
                  </td>
                  <td className="mono" title={d.sha256}>
                    {d.sha256.slice(0, 12)}
                  </td>
                  <td className="num">{d.format === 'endpoint' ? '—' : formatBytes(d.bytes)}</td>
                  <td>
                    <span className={`badge model-status-${d.status}`} data-testid="describer-status">
                      {d.status}
                    </span>
                    {advice && <div className="warn-text describer-advice">{advice}</div>}
                  </td>
                  <td className="actions-cell">
                    <button
                      type="button"
                      onClick={(ev) => {
                        ev.stopPropagation();
                        checkOne(d);
                      }}
                      disabled={store.get(jobKey('describer.check', project?.path, d.id))?.status === 'running'}
                      title={d.format === 'endpoint' ? 'Ask the endpoint which models it serves' : 'Validate and re-hash its files now'}
                      data-testid="describer-check"
                    >
                      Check
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={(ev) => {
                        ev.stopPropagation();
                        void removeOne(d);
                      }}
                      data-testid="describer-remove"
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {checkedId !== null && (
        <div data-testid="describer-check-result" data-id={checkedId}>
          <RunStatus runKey={checkKey} testId="describer-check" cancelledText="Check cancelled." />
          {check?.status === 'done' && check.output && (
            <p
              className={check.output.status === 'ok' ? 'ok-text' : 'warn-text'}
              data-testid="describer-check-message"
              data-status={check.output.status}
            >
              {check.output.message}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
