import { Modal } from '../../components/Modal';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { heatmapRgba, inputRegion, overlaySize, scaleLabel, viridis } from '../../../../shared/heatmap';
import { channelAxisOf, unitLabel } from '../../../../shared/unitAddress';
import type { Out } from '../../lib/contract';
import { useContractQuery } from '../../lib/query';

// Heatmap overlays of a unit's spatial map on its example images (activations.heatmaps): a canvas at the model's
// input size holding the map upsampled (bilinear, as F.interpolate) and coloured with viridis on one scale for
// every image of the page, laid over the part of the thumbnail the model saw; opacity from a remembered slider.
// The colours are fixed (the same in light and dark themes). docs/heatmaps.md.

export type Heatmaps = Out<'activations.heatmaps'>;
export type HeatMap = Heatmaps['maps'][number];

// ---- remembered preferences (show, opacity) ----
const KEY = 'nwb.heatmaps';
interface Prefs {
  show: boolean;
  opacity: number;
}
const DEFAULTS: Prefs = { show: true, opacity: 0.6 };
const listeners = new Set<() => void>();
let prefs: Prefs = (() => {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Prefs> | null;
    return { ...DEFAULTS, ...(v ?? {}) };
  } catch {
    return DEFAULTS;
  }
})();
function setPrefs(p: Partial<Prefs>): void {
  prefs = { ...prefs, ...p };
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // storage full or disabled: the choice lasts for this window
  }
  for (const l of listeners) l();
}
export function useHeatPrefs(): [Prefs, (p: Partial<Prefs>) => void] {
  const p = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => prefs,
  );
  return [p, setPrefs];
}

/** The maps of a unit for the images shown, one query per (set, unit, images). */
export function useHeatmaps(activationSetId: number | null, neuron: number, imageIds: number[]) {
  const ids = useMemo(() => [...new Set(imageIds)].slice(0, 200), [imageIds]);
  return useContractQuery(
    'activations.heatmaps',
    ids.length && activationSetId !== null ? { activationSetId, neuron, imageIds: ids } : null,
  );
}

/** The overlay canvas: the map at the model's input size, drawn once per map/scale. */
export function HeatCanvas({
  heat,
  map,
  natural,
  opacity,
  testId = 'heat-canvas',
}: {
  heat: Heatmaps;
  map: HeatMap;
  /** The shown image's natural size (the thumbnail keeps the source's aspect), for where the model's input lies. */
  natural: { width: number; height: number } | null;
  opacity: number;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const size = overlaySize(heat.input);
  const grid = heat.grid!;
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const rgba = heatmapRgba(map.values, grid.height, grid.width, size.height, size.width, heat.scale);
    ctx.putImageData(new ImageData(rgba, size.width, size.height), 0, 0);
  }, [map, grid.height, grid.width, size.height, size.width, heat.scale]);
  // The thumbnail is letterboxed (object-fit: contain) in a square box; the overlay covers the model's part of it.
  const box = (() => {
    if (!natural) return { x: 0, y: 0, w: 1, h: 1 };
    const a = natural.width / natural.height;
    const img = a >= 1 ? { x: 0, y: (1 - 1 / a) / 2, w: 1, h: 1 / a } : { x: (1 - a) / 2, y: 0, w: a, h: 1 };
    const r = inputRegion(natural.width, natural.height, heat.input);
    return { x: img.x + r.x * img.w, y: img.y + r.y * img.h, w: r.w * img.w, h: r.h * img.h };
  })();
  const pct = (v: number) => `${(v * 100).toFixed(3)}%`;
  return (
    <canvas
      ref={ref}
      className="heat-canvas"
      width={size.width}
      height={size.height}
      style={{ left: pct(box.x), top: pct(box.y), width: pct(box.w), height: pct(box.h), opacity }}
      data-testid={testId}
      data-image-id={map.imageId}
      aria-hidden="true"
    />
  );
}

/** A horizontal viridis bar, drawn once. */
function ColorBar() {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const data = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) {
      const [r, g, b] = viridis((i + 0.5) / 256);
      data.set([r, g, b, 255], 4 * i);
    }
    ctx.putImageData(new ImageData(data, 256, 1), 0, 0);
  }, []);
  return <canvas ref={ref} className="heat-bar" width={256} height={1} aria-hidden="true" />;
}

/** The controls and legend above the example strips. */
export function HeatControls({ heat, loading, error }: { heat: Heatmaps | undefined; loading: boolean; error: unknown }) {
  const [p, set] = useHeatPrefs();
  if (error) return <p className="hint heat-note">No heatmaps: {error instanceof Error ? error.message : String(error)}</p>;
  if (!heat) return <p className="hint heat-note">{loading ? 'Computing spatial maps…' : ''}</p>;
  if (heat.kind === 'none')
    return (
      <p className="hint heat-note" data-testid="heat-none">
        {heat.reason}
      </p>
    );
  const g = heat.grid!;
  const where =
    heat.kind === 'tokens'
      ? `${g.height}x${g.width} patch tokens${heat.prefixTokens ? ` (${heat.prefixTokens} CLS/register token${heat.prefixTokens > 1 ? 's' : ''} left out)` : ''}`
      : `${g.height}x${g.width} map`;
  return (
    <div className="heat-controls" data-testid="heat-controls">
      <label className="heat-toggle">
        <input type="checkbox" checked={p.show} onChange={(e) => set({ show: e.target.checked })} data-testid="heat-show" /> Heatmaps
      </label>
      <label className="heat-opacity">
        opacity
        <OpacitySlider testId="heat-opacity" />
        <span className="mono">{Math.round(p.opacity * 100)}%</span>
      </label>
      <span className="heat-legend" data-testid="heat-legend" title="colour scale of the map values, the same for every image on this page">
        <span>map value</span>
        <span className="mono" data-testid="heat-lo">
          {scaleLabel(heat.scale.lo)}
        </span>
        <ColorBar />
        <span className="mono" data-testid="heat-hi">
          {scaleLabel(heat.scale.hi)}
        </span>
      </span>
      <span className="hint">
        {heat.unit}: its value at each position of the {where}, upsampled to the {heat.input.height}x{heat.input.width} input; one colour
        scale for all images on this page. Click an image to enlarge it.
      </span>
    </div>
  );
}

/** `channel c / y / x` for identity units of a conv map (and `token t / feature d`), read from the layer's shape. */
export function UnitPositionLabel({ activationSetId, neuron }: { activationSetId: number; neuron: number }) {
  const sets = useContractQuery('activations.list', {});
  const set = sets.data?.find((s) => s.id === activationSetId);
  const info = useContractQuery('model.info', set && set.summary === 'identity' ? { modelId: set.modelId } : null);
  const layer = info.data?.layers.find((l) => l.id === set?.layerId);
  if (!set || !layer || !info.data) return null;
  const label = unitLabel(
    { shape: layer.shape, summary: set.summary, channelAxis: channelAxisOf(layer.shape, info.data.model.info.layout) },
    neuron,
  );
  return label ? (
    <span className="unit-position mono" data-testid="unit-position">
      {label}
    </span>
  ) : null;
}

/** Click-to-enlarge: the image at 320 px with its map, the activation, the class; Esc or a click outside closes. */
export function HeatDialog({
  url,
  title,
  activation,
  className,
  heat,
  map,
  neuron,
  onClose,
}: {
  url: string | undefined;
  title: string;
  activation: number;
  className: string | null;
  heat: Heatmaps | undefined;
  map: HeatMap | undefined;
  neuron: number | null;
  onClose: () => void;
}) {
  const [p, set] = useHeatPrefs();
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const showMap = !!(heat && heat.kind !== 'none' && map && p.show);
  return (
    <Modal title={title} titleId="heat-dialog-title" className="heat-dialog" testId="heat-dialog" onClose={onClose}>
      <div className="heat-big">
        {url ? (
          <img
            src={url}
            alt={title}
            draggable={false}
            onLoad={(e) => setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
            data-testid="heat-dialog-img"
          />
        ) : (
          <span className="thumb-placeholder" />
        )}
        {showMap && <HeatCanvas heat={heat!} map={map!} natural={natural} opacity={p.opacity} testId="heat-dialog-canvas" />}
      </div>
      <dl className="heat-facts">
        <dt>{neuron === null ? 'activation' : `activation of unit ${neuron}`}</dt>
        <dd className="mono">{activation.toPrecision(4)}</dd>
        <dt>class</dt>
        <dd>{className ?? '—'}</dd>
        {map && (
          <>
            <dt>map range (this image)</dt>
            <dd className="mono">
              {scaleLabel(map.min)} – {scaleLabel(map.max)}
            </dd>
            <dt>colour scale (all images of the page)</dt>
            <dd className="mono">
              {scaleLabel(heat!.scale.lo)} – {scaleLabel(heat!.scale.hi)}
            </dd>
          </>
        )}
        {heat?.kind === 'none' && (
          <>
            <dt>map</dt>
            <dd>{heat.reason}</dd>
          </>
        )}
      </dl>
      {heat && heat.kind !== 'none' && (
        <label className="heat-opacity">
          <input type="checkbox" checked={p.show} onChange={(e) => set({ show: e.target.checked })} /> heatmap, opacity
          <OpacitySlider />
        </label>
      )}
    </Modal>
  );
}

/** The overlay's opacity (remembered, shared by the page and the enlarged view); off while heatmaps are hidden. */
function OpacitySlider({ testId }: { testId?: string }) {
  const [p, set] = useHeatPrefs();
  return (
    <input
      type="range"
      min={0}
      max={100}
      step={5}
      value={Math.round(p.opacity * 100)}
      onChange={(e) => set({ opacity: Number(e.target.value) / 100 })}
      disabled={!p.show}
      aria-label="Heatmap opacity"
      data-testid={testId}
    />
  );
}
