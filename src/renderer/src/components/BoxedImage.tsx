import { formatValue } from '../lib/format';

// A probe image with boxes drawn in its own pixel coordinates (right / bottom exclusive), numbered: Describe-and-
// Dissect's attention crops on its chain and on the rating sheet.

export type Box = [number, number, number, number];

export const boxText = (b: Box) => `x ${b[0]}–${b[2]}, y ${b[1]}–${b[3]}`;

export interface BoxedProbeImage {
  relPath: string;
  width: number;
  height: number;
  crops: { box: Box; activation: number }[];
}

export function BoxedImage({
  image,
  url,
  size,
  boxTestId = 'crop-box',
}: {
  image: BoxedProbeImage;
  url: string | undefined;
  /** Width on screen in CSS pixels. */
  size: number;
  boxTestId?: string;
}) {
  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  return (
    <div className="boxed-image" style={{ width: size, height: (size * image.height) / image.width }}>
      {url ? <img src={url} alt={image.relPath} draggable={false} /> : <span className="gen-placeholder" />}
      {image.crops.map((c, i) => (
        <div
          key={i}
          className="boxed-image-box"
          style={{
            left: pct(c.box[0], image.width),
            top: pct(c.box[1], image.height),
            width: pct(c.box[2] - c.box[0], image.width),
            height: pct(c.box[3] - c.box[1], image.height),
          }}
          title={`crop ${i + 1}: ${boxText(c.box)} · activation ${formatValue(c.activation)}`}
          data-testid={boxTestId}
        >
          <span>{i + 1}</span>
        </div>
      ))}
    </div>
  );
}
