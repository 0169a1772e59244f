import { useEffect, useMemo, useReducer, useState } from 'react';
import { useApp } from '../../lib/appContext';
import { ThumbnailCache } from '../probes';
import { formatValue, formatShare } from '../../lib/format';
import type { Example, NeuronView } from './types';

const SIZE = 72;

function Thumb({ ex, cache }: { ex: Example; cache: ThumbnailCache }) {
  const url = cache.get(ex.imageId);
  const failure = cache.failure(ex.imageId);
  return (
    <figure
      className="thumb"
      style={{ width: SIZE + 8 }}
      title={`${ex.relPath}\nactivation ${formatValue(ex.activation)}`}
      data-testid="example"
      data-image-id={ex.imageId}
    >
      <div className="thumb-box" style={{ width: SIZE, height: SIZE }}>
        {url ? (
          <img src={url} alt={ex.relPath} width={SIZE} height={SIZE} draggable={false} data-testid="example-img" />
        ) : failure ? (
          <span className="thumb-failed" title={failure}>
            !
          </span>
        ) : (
          <span className="thumb-placeholder" />
        )}
      </div>
      <figcaption>
        <span className="mono">{formatValue(ex.activation)}</span> {ex.className ?? ''}
      </figcaption>
    </figure>
  );
}

function Strip({
  title,
  hint,
  examples,
  cache,
  testId,
  empty = 'No images.',
}: {
  title: string;
  hint?: string;
  examples: Example[];
  cache: ThumbnailCache;
  testId: string;
  empty?: string;
}) {
  return (
    <div className="example-strip" data-testid={testId}>
      <h5>
        {title} {hint && <span className="hint">{hint}</span>}
      </h5>
      {examples.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <div className="example-row">
          {examples.map((e) => (
            <Thumb key={e.imageId} ex={e} cache={cache} />
          ))}
        </div>
      )}
    </div>
  );
}

/** Top activations, labelled bands below the top, and a random sample; thumbnails from the shared cache. */
export function ExampleImages({ examples }: { examples: NeuronView['examples'] }) {
  const { api } = useApp();
  const [cache] = useState(() => new ThumbnailCache(api, SIZE));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const ids = useMemo(
    () => [...examples.top, ...examples.bands.flatMap((b) => b.examples), ...examples.random].map((e) => e.imageId),
    [examples],
  );
  useEffect(() => cache.subscribe(rerender), [cache]);
  useEffect(() => {
    cache.want(ids);
  }, [cache, ids]);
  useEffect(() => () => cache.cancelAll(), [cache]);
  return (
    <section className="card examples" data-testid="examples">
      <h4>Example images</h4>
      <Strip title="Top activations" examples={examples.top} cache={cache} testId="examples-top" />
      <div className="example-bands">
        {examples.bands.map((b, i) => (
          <Strip
            key={i}
            title={`Interval ${formatValue(b.lo)} – ${formatValue(b.hi)}`}
            hint={`contains ${formatShare(b.imageShare)} of images (${b.images})`}
            examples={b.examples}
            cache={cache}
            testId="examples-band"
            empty={b.images > 0 ? 'Its images are among the top activations above.' : 'No images in this interval.'}
          />
        ))}
      </div>
      <Strip title="Random sample" examples={examples.random} cache={cache} testId="examples-random" />
    </section>
  );
}
