import { useRef, useState, type PointerEvent } from 'react';
import { useContractQuery } from '../../lib/query';
import type { ImageRow } from '../../lib/types';
import { ProbeSetSelect } from '../probes';

const PAGE = 40;
const BIG = 256;

export type Box = [number, number, number, number];

/** A probe image picked from a probe set's pages of thumbnails. */
export function ImagePicker({ value, onChange }: { value: ImageRow | null; onChange: (image: ImageRow, probeSetId: number) => void }) {
  const sets = useContractQuery('probe.list', {});
  const usable = (sets.data ?? []).filter((p) => p.images > 0);
  const [chosenSet, setChosenSet] = useState<number | null>(null);
  const probeSetId = chosenSet ?? usable[0]?.id ?? null;
  const [offset, setOffset] = useState(0);
  const page = useContractQuery('probe.images', probeSetId === null ? null : { probeSetId, offset, limit: PAGE });
  const rows = page.data?.rows ?? [];
  const thumbs = useContractQuery('probe.thumbnails', rows.length ? { imageIds: rows.map((r) => r.id), size: 64 } : null);
  const urlOf = new Map((thumbs.data ?? []).map((t) => [t.id, t.dataUrl]));
  const total = page.data?.total ?? 0;

  if (sets.data && usable.length === 0)
    return <p className="warn-text">Import a probe set first (Probe sets screen): captions are made of its images.</p>;
  return (
    <div className="image-picker" data-testid="image-picker">
      <div className="inline-field wrap">
        <ProbeSetSelect
          probeSets={usable}
          value={probeSetId}
          onChange={(id) => {
            setChosenSet(id);
            setOffset(0);
          }}
          testId="caption-probeset"
        />
        <span className="hint">
          images {total ? offset + 1 : 0}–{Math.min(offset + PAGE, total)} of {total}
        </span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="picker-prev">
          Previous
        </button>
        <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} data-testid="picker-next">
          Next
        </button>
      </div>
      <div className="picker-grid" role="listbox" aria-label="Probe images">
        {rows.map((r) => {
          const url = urlOf.get(r.id);
          return (
            <button
              key={r.id}
              type="button"
              role="option"
              aria-selected={value?.id === r.id}
              className={`picker-cell${value?.id === r.id ? ' selected' : ''}`}
              onClick={() => probeSetId !== null && onChange(r, probeSetId)}
              title={`${r.relPath}${r.className ? ` (${r.className})` : ''}`}
              data-testid="picker-image"
              data-id={r.id}
              data-class={r.className ?? ''}
            >
              {url ? <img src={url} alt={r.relPath} draggable={false} /> : <span className="gen-placeholder" />}
            </button>
          );
        })}
      </div>
    </div>
  );
}

/**
 * The picked image enlarged; dragging on it draws the crop box (in the image's own pixels, right/bottom exclusive),
 * which the x0, y0, x1, y1 fields also set.
 */
export function CropView({ image, box, onBox }: { image: ImageRow; box: Box | null; onBox: (box: Box) => void }) {
  const big = useContractQuery('probe.thumbnails', { imageIds: [image.id], size: BIG });
  const url = big.data?.[0]?.dataUrl ?? undefined;
  const start = useRef<[number, number] | null>(null);

  /** The image pixel under the pointer (clamped to the image). */
  function pixel(ev: PointerEvent<HTMLDivElement>): [number, number] {
    const r = ev.currentTarget.getBoundingClientRect();
    const x = Math.floor(((ev.clientX - r.left) / r.width) * image.width);
    const y = Math.floor(((ev.clientY - r.top) / r.height) * image.height);
    return [Math.min(Math.max(x, 0), image.width - 1), Math.min(Math.max(y, 0), image.height - 1)];
  }
  function drag(ev: PointerEvent<HTMLDivElement>) {
    if (!start.current) return;
    const [ax, ay] = start.current;
    const [bx, by] = pixel(ev);
    onBox([Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx) + 1, Math.max(ay, by) + 1]);
  }

  return (
    <div
      className="crop-view"
      onPointerDown={(ev) => {
        ev.currentTarget.setPointerCapture(ev.pointerId);
        start.current = pixel(ev);
        drag(ev);
      }}
      onPointerMove={drag}
      onPointerUp={() => (start.current = null)}
      data-testid="crop-view"
    >
      {url ? <img src={url} alt={image.relPath} draggable={false} data-testid="crop-image" /> : <span className="gen-placeholder" />}
      {box && (
        <div
          className="crop-box"
          style={{
            left: `${(box[0] / image.width) * 100}%`,
            top: `${(box[1] / image.height) * 100}%`,
            width: `${((box[2] - box[0]) / image.width) * 100}%`,
            height: `${((box[3] - box[1]) / image.height) * 100}%`,
          }}
        />
      )}
    </div>
  );
}
