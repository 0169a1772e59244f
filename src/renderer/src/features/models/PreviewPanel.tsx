import { useState } from 'react';
import type { Preprocessing } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { formatValue } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import type { ProbeSetInfo } from '../../lib/types';
import { useDebounced } from '../../lib/useDebounced';
const DEBOUNCE_MS = 250;

/** One probe image after preprocessing (de-normalised back to pixels) with the input tensor's stats. */
export function PreviewPanel({
  modelId,
  probeSets,
  options,
}: {
  modelId: number;
  probeSets: ProbeSetInfo[];
  options: Preprocessing | null;
}) {
  const [setId, setSetId] = useState<number | null>(probeSets[0]?.id ?? null);
  const [index, setIndex] = useState(0);
  const activeSet = setId ?? probeSets[0]?.id ?? null;
  // The index-th image of the chosen probe set.
  const page = useContractQuery('probe.images', activeSet === null ? null : { probeSetId: activeSet, offset: index, limit: 1 });
  const image = page.data?.rows[0] ?? null;
  const total = page.data?.total ?? 0;
  // Its preview under the current (possibly unsaved) values, once typing pauses.
  const optionsKey = useDebounced(options ? JSON.stringify(options) : null, DEBOUNCE_MS);
  const preview = useContractQuery(
    'model.preview',
    image && optionsKey ? { modelId, imageId: image.id, options: JSON.parse(optionsKey) as Preprocessing } : null,
  );
  // Statistics over a few evenly spaced images of the set, under the same values.
  const stats = useContractQuery(
    'model.inputStats',
    activeSet !== null && optionsKey
      ? { modelId, probeSetId: activeSet, images: 8, options: JSON.parse(optionsKey) as Preprocessing }
      : null,
  );
  const error = preview.error ?? page.error ?? stats.error;

  if (probeSets.length === 0) {
    return (
      <section className="card" aria-label="Preview">
        <h3>Preview</h3>
        <p className="hint">Import a probe set to preview how its images reach the model.</p>
      </section>
    );
  }
  const step = (d: number) => setIndex((i) => (total ? (i + d + total) % total : 0));
  return (
    <section className="card preview-card" aria-labelledby="preview-title" data-testid="preview">
      <div className="card-head">
        <h3 id="preview-title">Preview</h3>
        <select
          value={activeSet ?? ''}
          onChange={(e) => {
            setSetId(Number(e.target.value));
            setIndex(0);
          }}
          aria-label="Probe set"
          data-testid="preview-probeset"
        >
          {probeSets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <div className="preview-body">
        <div className="preview-frame">
          {preview.data ? (
            <img src={preview.data.dataUrl} alt={`Preprocessed ${image?.relPath ?? 'image'}`} data-testid="preview-img" />
          ) : (
            <span className="hint">…</span>
          )}
        </div>
        <div className="preview-side">
          <div className="preview-nav">
            <button type="button" onClick={() => step(-1)} aria-label="Previous image" disabled={total < 2}>
              ‹
            </button>
            <span className="hint" data-testid="preview-index">
              {total ? `${index + 1} / ${total}` : '—'}
            </span>
            <button type="button" onClick={() => step(1)} aria-label="Next image" disabled={total < 2} data-testid="preview-next">
              ›
            </button>
            <button type="button" onClick={() => setIndex(Math.floor(Math.random() * total))} disabled={total < 2}>
              Random
            </button>
          </div>
          {image && (
            <p className="mono hint preview-path" title={image.relPath}>
              {image.relPath}
              {image.className ? ` · ${image.className}` : ''} · {image.width}×{image.height}
            </p>
          )}
          {preview.data && (
            <dl className="facts" data-testid="preview-stats">
              <dt>Tensor</dt>
              <dd className="mono" data-testid="preview-shape">
                [{preview.data.shape.join(', ')}]
              </dd>
              <dt>Min / max</dt>
              <dd className="mono">
                {formatValue(preview.data.stats.min)} / {formatValue(preview.data.stats.max)}
              </dd>
              <dt>Mean ± std</dt>
              <dd className="mono">
                {formatValue(preview.data.stats.mean)} ± {formatValue(preview.data.stats.std)}
              </dd>
            </dl>
          )}
          {!options && <p className="hint">Fix the values on the left to update the preview.</p>}
        </div>
      </div>
      {stats.data && (
        <div data-testid="input-stats" data-warning={stats.data.warning !== null}>
          <h4>Input statistics</h4>
          <p className="hint">
            The model&apos;s input values over {stats.data.images.length} evenly spaced images of this set (a normalised input is usually
            near mean 0, std 1).
          </p>
          <table className="table compact">
            <thead>
              <tr>
                <th>Channel</th>
                <th className="num">Mean</th>
                <th className="num">Std</th>
                <th className="num">Min</th>
                <th className="num">Max</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.channels.map((c) => (
                <tr key={c.channel} data-testid="input-stats-row" data-mean={c.mean} data-std={c.std}>
                  <td>
                    {stats.data!.channels.length === 3
                      ? ['R', 'G', 'B'][c.channel]
                      : stats.data!.channels.length === 1
                        ? 'grey'
                        : c.channel}
                  </td>
                  <td className="num mono">{formatValue(c.mean)}</td>
                  <td className="num mono">{formatValue(c.std)}</td>
                  <td className="num mono">{formatValue(c.min)}</td>
                  <td className="num mono">{formatValue(c.max)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {stats.data.warning && (
            <p className="warn-text" role="alert" data-testid="input-stats-warning">
              {stats.data.warning}
            </p>
          )}
        </div>
      )}
      <ErrorBox error={error} testId="preview-error" />
    </section>
  );
}
