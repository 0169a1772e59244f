import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useState } from 'react';
import { useApp } from '../../lib/appContext';
import { ThumbnailCache } from '../probes';
import { formatValue, formatShare } from '../../lib/format';
import { HeatCanvas, HeatControls, HeatDialog, useHeatmaps, useHeatPrefs, type HeatMap, type Heatmaps } from './Heatmaps';
import type { Example, NeuronView } from './types';

const SIZE = 72;
const BIG = 320;

/** The unit's maps for the strips (by image id) and what opens the enlarged view. */
interface HeatContext {
  heat: Heatmaps | undefined;
  byId: Map<number, HeatMap>;
  open(ex: Example): void;
}
const Heat = createContext<HeatContext>({ heat: undefined, byId: new Map(), open: () => undefined });

function Thumb({ ex, cache }: { ex: Example; cache: ThumbnailCache }) {
  const url = cache.get(ex.imageId);
  const failure = cache.failure(ex.imageId);
  const { heat, byId, open } = useContext(Heat);
  const [prefs] = useHeatPrefs();
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const map = byId.get(ex.imageId);
  return (
    <figure
      className="thumb thumb-clickable"
      style={{ width: SIZE + 8 }}
      title={`${ex.relPath}\nactivation ${formatValue(ex.activation)}\nclick to enlarge`}
      data-testid="example"
      data-image-id={ex.imageId}
      role="button"
      tabIndex={0}
      onClick={() => open(ex)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open(ex);
        }
      }}
    >
      <div className="thumb-box heat-box" style={{ width: SIZE, height: SIZE }}>
        {url ? (
          <img
            src={url}
            alt={ex.relPath}
            width={SIZE}
            height={SIZE}
            draggable={false}
            onLoad={(e) => setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
            data-testid="example-img"
          />
        ) : failure ? (
          <span className="thumb-failed" title={failure}>
            !
          </span>
        ) : (
          <span className="thumb-placeholder" />
        )}
        {url && heat && heat.kind !== 'none' && map && prefs.show && (
          <HeatCanvas heat={heat} map={map} natural={natural} opacity={prefs.opacity} />
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

/**
 * Top activations, labelled bands below the top, and a random sample; thumbnails from the shared cache, each with
 * the unit's heatmap over it (spatial layers) and a click that enlarges it.
 */
export function ExampleImages({
  examples,
  activationSetId,
  neuron,
}: {
  examples: NeuronView['examples'];
  /** The unit whose maps are drawn over the images (none given: no overlays). */
  activationSetId?: number;
  neuron?: number;
}) {
  const { api } = useApp();
  const [cache] = useState(() => new ThumbnailCache(api, SIZE));
  const [bigCache] = useState(() => new ThumbnailCache(api, BIG));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [enlarged, setEnlarged] = useState<Example | null>(null);
  const all = useMemo(() => [...examples.top, ...examples.bands.flatMap((b) => b.examples), ...examples.random], [examples]);
  const ids = useMemo(() => all.map((e) => e.imageId), [all]);
  const heatQuery = useHeatmaps(activationSetId ?? null, neuron ?? 0, ids);
  const d = heatQuery.data;
  const heat = d && d.neuron === neuron && d.activationSetId === activationSetId ? d : undefined;
  const byId = useMemo(() => new Map((heat?.maps ?? []).map((m) => [m.imageId, m])), [heat]);
  const open = useCallback((ex: Example) => setEnlarged(ex), []);
  const ctx = useMemo(() => ({ heat, byId, open }), [heat, byId, open]);
  useEffect(() => cache.subscribe(rerender), [cache]);
  useEffect(() => bigCache.subscribe(rerender), [bigCache]);
  useEffect(() => {
    cache.want(ids);
  }, [cache, ids]);
  useEffect(() => {
    if (enlarged) bigCache.want([enlarged.imageId]);
  }, [bigCache, enlarged]);
  useEffect(
    () => () => {
      cache.cancelAll();
      bigCache.cancelAll();
    },
    [cache, bigCache],
  );
  return (
    <Heat.Provider value={ctx}>
      <section className="card examples" data-testid="examples">
        <h4>Example images</h4>
        {activationSetId !== undefined && <HeatControls heat={heat} loading={heatQuery.loading} error={heatQuery.error} />}
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
        {enlarged && (
          <HeatDialog
            url={bigCache.get(enlarged.imageId) ?? cache.get(enlarged.imageId)}
            title={enlarged.relPath}
            activation={enlarged.activation}
            className={enlarged.className}
            heat={heat}
            map={byId.get(enlarged.imageId)}
            neuron={neuron ?? null}
            onClose={() => setEnlarged(null)}
          />
        )}
      </section>
    </Heat.Provider>
  );
}
