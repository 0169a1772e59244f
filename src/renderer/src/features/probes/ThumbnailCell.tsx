import { memo } from 'react';
import type { ImageRow } from '../../lib/types';

/** One grid cell: placeholder until its row and thumbnail arrive; a failed thumbnail says why. */
export const ThumbnailCell = memo(function ThumbnailCell({
  image,
  size,
  width,
  url,
  failure,
  onOpen,
}: {
  image: ImageRow | undefined;
  size: number;
  /** Cell width in px (at least size + padding). */
  width: number;
  url: string | undefined;
  failure: string | undefined;
  /** Enlarge the image (a click or Enter on its thumbnail). */
  onOpen?: (image: ImageRow) => void;
}) {
  const title = image ? `${image.relPath}\n${image.className ?? 'no class'} · ${image.width}×${image.height} ${image.format}` : undefined;
  return (
    <figure className="thumb" style={{ width: Math.max(width, size + 8) }} title={title} data-testid="thumb-cell" data-image-id={image?.id}>
      <div className="thumb-box" style={{ width: size, height: size }}>
        {url && image && onOpen ? (
          <button type="button" className="thumb-open" onClick={() => onOpen(image)} aria-label={`Enlarge ${image.relPath}`}>
            <img src={url} alt={image.relPath} width={size} height={size} draggable={false} data-testid="thumb" />
          </button>
        ) : url ? (
          <img src={url} alt={image?.relPath ?? ''} width={size} height={size} draggable={false} data-testid="thumb" />
        ) : failure ? (
          <span className="thumb-failed" title={failure}>
            !
          </span>
        ) : (
          <span className="thumb-placeholder" />
        )}
      </div>
      <figcaption>{image ? (image.className ?? image.relPath) : ''}</figcaption>
    </figure>
  );
});
