import { useState } from 'react';
import type { ModelSummary, ProviderName } from '../../../../shared/contract';
import { useApp } from '../../lib/appContext';
import { formatBytes, formatCount, formatDate } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import { IoTable } from './IoTable';
import { STATUS_HINT, StatusBadge } from './ModelList';
import { ProviderPanel } from './ProviderPanel';

/** File status, what the file declares (inputs/outputs, opset, producer), provider report, remove. */
export function ModelOverview({
  model,
  provider,
  onProvider,
  onRemoved,
}: {
  model: ModelSummary;
  provider: ProviderName | null;
  onProvider: (p: ProviderName | null) => void;
  onRemoved: () => void;
}) {
  const { reportError, notify } = useApp();
  const removeModel = useContractMutation('model.remove', { changes: ['models'] });
  const [confirming, setConfirming] = useState(false);
  const { info } = model;

  async function remove() {
    try {
      await removeModel.run({ modelId: model.id });
      notify({
        kind: 'info',
        title: 'Model removed',
        message: `${model.name} and its activation sets were removed. The file was not touched.`,
      });
      onRemoved();
    } catch (e) {
      reportError(e, 'Cannot remove the model');
    }
  }

  return (
    <div className="stack">
      {model.status !== 'ok' && (
        <div className="banner banner-warn" role="alert" data-testid="model-status-hint">
          <span>
            <strong>{model.status === 'invalid' ? 'Model unusable.' : `File ${model.status}.`}</strong>{' '}
            {model.problem ?? STATUS_HINT[model.status]}
          </span>
        </div>
      )}
      <div className="grid-2">
        <section className="card" aria-labelledby="model-file-title">
          <h3 id="model-file-title">File</h3>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={model.status} /> <span className="hint">{STATUS_HINT[model.status]}</span>
            </dd>
            <dt>Path</dt>
            <dd className="mono" data-testid="model-file-path">
              {model.path}
            </dd>
            <dt>SHA-256</dt>
            <dd className="mono" title={model.sha256}>
              {model.sha256.slice(0, 16)}…
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(model.bytes)}</dd>
            <dt>Added</dt>
            <dd>{formatDate(model.createdAt)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="model-graph-title">
          <h3 id="model-graph-title">Graph</h3>
          <dl className="facts">
            <dt>Opset</dt>
            <dd data-testid="model-opset">{info.opset}</dd>
            <dt>IR version</dt>
            <dd>{info.irVersion}</dd>
            <dt>Producer</dt>
            <dd data-testid="model-producer">{info.producer || '—'}</dd>
            <dt>Nodes</dt>
            <dd>{formatCount(info.nodes)}</dd>
            <dt>Image input</dt>
            <dd>
              <code>{info.imageInput}</code> {info.layout}, {info.channels} channel{info.channels === 1 ? '' : 's'},{' '}
              {info.height && info.width ? `${info.height}×${info.width}` : 'any size'}
              {info.fixedBatch !== null ? `, batch fixed at ${info.fixedBatch}` : ', any batch'}
            </dd>
            <dt>Candidate layers</dt>
            <dd>{formatCount(model.layers)}</dd>
          </dl>
        </section>
      </div>
      <section className="card table-card" aria-label="Inputs and outputs">
        <IoTable info={info} />
      </section>
      <ProviderPanel provider={provider} onProvider={onProvider} />
      <section className="card" aria-labelledby="model-remove-title">
        <h3 id="model-remove-title">Remove</h3>
        <p className="hint">Forgets the model and every activation set extracted from it. The .onnx file itself is not touched.</p>
        <div className="actions">
          {confirming && (
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          )}
          <button
            type="button"
            className="danger"
            onClick={() => (confirming ? void remove() : setConfirming(true))}
            data-testid="model-remove"
          >
            {confirming ? `Remove ${model.name} and its activations` : 'Remove model…'}
          </button>
        </div>
      </section>
    </div>
  );
}
