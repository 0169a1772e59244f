import { useState } from 'react';
import { CaptionOptions } from '../../../../shared/contract';
import { useApp } from '../../lib/appContext';
import { checkInput, defaultText, numberFromText } from '../../lib/forms';
import type { ImageRow } from '../../lib/types';
import { jobKey, useJob, useJobStore } from '../jobs';
import { CropView, ImagePicker, type Box } from './ImagePicker';
import { RunStatus } from './RunStatus';
import type { DescriberInfo } from './types';
import { FreshToggle } from './FreshToggle';

const OPT = CaptionOptions.shape;

/** One number field of a Try panel: its label says what the number is. */
export function NumberField({
  label,
  value,
  onChange,
  error,
  testId,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  testId: string;
}) {
  return (
    <label className="try-field">
      <span>{label}</span>
      <input className="param-input" value={value} onChange={(e) => onChange(e.target.value)} inputMode="decimal" data-testid={testId} />
      {error && <span className="warn-text">must be {error.replace(/^must be /, '')}</span>}
    </label>
  );
}

/** Caption a probe image, whole or a crop, with the selected captioner; the caption, its token ids, cached or its time. */
export function CaptionTry({ model }: { model: DescriberInfo }) {
  const { project, navigate } = useApp();
  const store = useJobStore();
  const key = jobKey('caption.run', project?.path, model.id);
  const job = useJob(key);
  const [image, setImage] = useState<ImageRow | null>(null);
  const [probeSetId, setProbeSetId] = useState<number | null>(null);
  const [crop, setCrop] = useState(false);
  const [box, setBox] = useState<string[]>(['', '', '', '']);
  const [beams, setBeams] = useState(() => defaultText(OPT.numBeams));
  const [maxNew, setMaxNew] = useState(() => defaultText(OPT.maxNewTokens));
  const [minNew, setMinNew] = useState(() => defaultText(OPT.minNewTokens));
  const [fresh, setFresh] = useState(false);

  const opts = checkInput(CaptionOptions, {
    numBeams: numberFromText(beams),
    maxNewTokens: numberFromText(maxNew),
    minNewTokens: numberFromText(minNew),
  });
  const boxNums = box.map(numberFromText) as Box;
  const boxError = !crop
    ? null
    : boxNums.some((v) => !Number.isInteger(v) || v < 0)
      ? 'The crop box needs four whole pixel numbers.'
      : image && (boxNums[2] <= boxNums[0] || boxNums[3] <= boxNums[1] || boxNums[2] > image.width || boxNums[3] > image.height)
        ? `The crop box is x0 < x1 <= ${image.width}, y0 < y1 <= ${image.height} (right and bottom exclusive).`
        : null;
  const running = job?.status === 'running';
  const ready = image !== null && opts.ok && boxError === null && !running;
  const out = job?.status === 'done' ? job.output : null;
  const caption = out?.captions[0];

  function pick(img: ImageRow, setId: number) {
    setImage(img);
    setProbeSetId(setId);
    setBox(['0', '0', String(img.width), String(img.height)]);
  }

  function run() {
    if (!ready || !image || !opts.ok) return;
    store.dismiss(key);
    const where = crop ? { images: [{ imageId: image.id, box: boxNums }] } : { imageIds: [image.id] };
    void store.start(
      key,
      `Caption ${image.relPath}`,
      'caption.run',
      { describerId: model.id, ...opts.value, ...where, fresh },
      { toast: () => null },
    );
  }

  return (
    <div className="stack try caption-try" data-testid="caption-try">
      <ImagePicker value={image} onChange={pick} />
      {image && (
        <div className="caption-picked">
          <CropView
            image={image}
            box={crop ? boxNums : null}
            onBox={(b) => {
              setCrop(true);
              setBox(b.map(String));
            }}
          />
          <div className="stack">
            <p data-testid="caption-image">
              <span className="mono">{image.relPath}</span> ({image.width}×{image.height}
              {image.className ? `, class ${image.className}` : ''}){' '}
              {probeSetId !== null && (
                <button
                  type="button"
                  className="link"
                  onClick={() => navigate({ screen: 'probes', view: 'set', probeSetId })}
                  data-testid="caption-probeset-link"
                >
                  open its probe set
                </button>
              )}
            </p>
            <label className="inline-field">
              <input type="checkbox" checked={crop} onChange={(e) => setCrop(e.target.checked)} data-testid="caption-crop" /> Caption a crop
              (drag on the image, or type the box in image pixels)
            </label>
            {crop && (
              <div className="inline-field wrap">
                {['x0', 'y0', 'x1', 'y1'].map((n, i) => (
                  <label key={n} className="inline-field">
                    {n}
                    <input
                      className="box-input"
                      value={box[i]}
                      onChange={(e) => setBox(box.map((v, j) => (j === i ? e.target.value : v)))}
                      inputMode="numeric"
                      data-testid={`caption-box-${n}`}
                    />
                  </label>
                ))}
              </div>
            )}
            {boxError && <p className="warn-text">{boxError}</p>}
          </div>
        </div>
      )}
      <div className="try-params">
        <NumberField label="Beams (1 = greedy)" value={beams} onChange={setBeams} error={opts.errors.numBeams} testId="caption-beams" />
        <NumberField label="Max new tokens" value={maxNew} onChange={setMaxNew} error={opts.errors.maxNewTokens} testId="caption-max" />
        <NumberField label="Min new tokens" value={minNew} onChange={setMinNew} error={opts.errors.minNewTokens} testId="caption-min" />
      </div>
      <div className="try-checks">
        <FreshToggle checked={fresh} onChange={setFresh} label="Make it again even if cached" testId="caption-fresh" />
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!ready} onClick={run} data-testid="caption-run">
          Caption {crop ? 'the crop' : 'the image'}
        </button>
      </div>
      <RunStatus runKey={key} testId="caption" cancelledText="Cancelled: no caption was made." />
      {caption && out && (
        <div
          className="try-result"
          data-testid="caption-result"
          data-cached={caption.cached}
          data-image-id={caption.imageId}
          data-box={caption.box?.join(',') ?? ''}
        >
          <p className="caption-text" data-testid="caption-text">
            “{caption.text}”
          </p>
          <dl className="facts">
            <dt>Image</dt>
            <dd>
              image {caption.imageId}
              {caption.box ? `, crop x ${caption.box[0]}–${caption.box[2]}, y ${caption.box[1]}–${caption.box[3]}` : ', whole'}
            </dd>
            <dt>Token ids ({caption.tokenIds.length}, as the decoder emitted them)</dt>
            <dd className="mono" data-testid="caption-tokens">
              {caption.tokenIds.join(' ')}
            </dd>
            <dt>Made</dt>
            <dd data-testid="caption-made">
              {caption.cached
                ? 'cached: made earlier with the same captioner files, image, crop and decoding options'
                : `now, in ${out.seconds.toFixed(2)} s (this run, including loading the captioner the first time)`}
            </dd>
          </dl>
        </div>
      )}
    </div>
  );
}
