import { memo } from 'react';
import type { ImageRow } from '../../lib/types';

/** One grid cell: placeholder until its row and thumbnail arrive; a failed thumbnail says why. */
export const ThumbnailCell = memo(function ThumbnailCell({
  image,
  size,
  width,
  url,
  failure,
}: {
  image: ImageRow | undefined;
  size: number;
  /** Cell width in px (at least size + padding). */
  width: number;
  url: string | undefined;
  failure: string | undefined;
}) {
  const title = image ? `${image.relPath}\n${image.className ?? 'no class'} · ${image.width}×${image.height} ${image.format}` : undefined;
  return (
    <figure className="thumb" style={{ width: Math.max(width, size + 8) }} title={title} data-testid="thumb-cell" data-image-id={image?.id}>
      <div className="thumb-box" style={{ width: size, height: size }}>
        {url ? (
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
