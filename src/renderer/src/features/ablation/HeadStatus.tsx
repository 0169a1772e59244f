import { ErrorBox } from '../../components/ErrorBox';
import type { Loaded } from '../../lib/query';
import type { HeadInfo } from './types';

const GRADIENT_TEXT: Record<HeadInfo['gradient']['method'], string> = {
  'closed-form': 'exact, in closed form through the linear head.',
  'forward-mode':
    'exact, in forward mode: one onnxruntime run of the derivative graph of the layers after this one gives the loss and d loss / d value per Adam step.',
  'finite-difference': 'central finite differences (approximate: about 0.1% error on the fixtures).',
};

/** How the layer reaches the logits: an exact closed-form linear head, or the tail sub-graph (with why). */
export function HeadStatus({ head }: { head: Loaded<HeadInfo> }) {
  if (head.loading && !head.data) return <p className="hint">Checking the path from the layer to the logits…</p>;
  if (head.error) return <ErrorBox error={head.error} />;
  const h = head.data;
  if (!h) return null;
  return (
    <div className="abl-head" data-testid="abl-head" data-linear={h.linear}>
      <h4>
        Oracle:{' '}
        {h.linear ? (
          <span className="badge status-done">closed-form linear head</span>
        ) : (
          <span className="badge badge-warn">tail sub-graph</span>
        )}
      </h4>
      {h.linear ? (
        <p className="hint">
          The layer feeds the logits through <span className="mono">{h.path.join(' → ')}</span> ({h.classes} classes × {h.features}{' '}
          features): replacing a neuron changes the logits by W[:, k] × (new − old), exact and without running the network. Verified on{' '}
          {h.checkedRows} stored rows (max error {h.maxAbsError === null ? '—' : h.maxAbsError.toExponential(1)}).
        </p>
      ) : (
        <p className="hint">
          Not a linear head{h.reason ? `: ${h.reason}` : ''}. The rest of the network after the layer is run with onnxruntime for every
          replacement (slower).
        </p>
      )}
      <p className="hint" data-testid="abl-gradient" data-method={h.gradient.method}>
        Optim&apos;s gradient: {GRADIENT_TEXT[h.gradient.method]}
        {h.gradient.reason ? ` Why: ${h.gradient.reason}.` : ''}
      </p>
    </div>
  );
}
