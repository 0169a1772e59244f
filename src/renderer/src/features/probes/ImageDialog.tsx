import { Modal } from '../../components/Modal';
import { useContractQuery } from '../../lib/query';
import type { ImageRow } from '../../lib/types';
import { ErrorBox } from '../../components/ErrorBox';

const BIG = 384;

/** A probe image enlarged (a 384 px thumbnail, pixelated when the image is smaller) with its path, labels and size. */
export function ImageDialog({ image, onClose }: { image: ImageRow; onClose: () => void }) {
  const big = useContractQuery('probe.thumbnails', { imageIds: [image.id], size: BIG });
  const url = big.data?.[0]?.dataUrl ?? undefined;
  return (
    <Modal title={image.relPath} titleId="probe-image-title" className="image-dialog" testId="probe-image-dialog" onClose={onClose}>
      <div className="image-dialog-big">
        {url ? (
          <img src={url} alt={image.relPath} draggable={false} data-testid="probe-image-big" />
        ) : (
          <span className="thumb-placeholder" />
        )}
      </div>
      <dl className="heat-facts">
        <dt>class</dt>
        <dd>{image.className ?? '—'}</dd>
        <dt>size</dt>
        <dd className="mono">
          {image.width}×{image.height} {image.format}
        </dd>
      </dl>
      {big.data?.[0]?.error && <p className="hint">{big.data[0].error}</p>}
      <ErrorBox error={big.error} />
    </Modal>
  );
}
