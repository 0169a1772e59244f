// Decoder output -> 8-bit RGB, as diffusers' image processor does: x / 2 + 0.5 clamped to [0, 1], times 255,
// rounded; NCHW planes -> interleaved RGB rows. A one-channel decoder output is repeated into R, G and B.

/** Image `index` of a decoded batch [N, C, H, W] (C = 1 or 3) as RGB bytes, row-major. */
export function toRgbBytes(decoded: Float32Array, index: number, channels: number, height: number, width: number): Uint8Array {
  const plane = height * width;
  const base = index * channels * plane;
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = decoded[base + (channels === 1 ? 0 : c) * plane + p] / 2 + 0.5;
      out[p * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return out;
}

/** The same image before uint8: (x / 2 + 0.5) clamped, channel-first floats (for goldens). */
export function toUnitFloats(decoded: Float32Array, index: number, channels: number, height: number, width: number): Float32Array {
  const n = channels * height * width;
  return Float32Array.from(decoded.subarray(index * n, (index + 1) * n), (x) => Math.min(1, Math.max(0, x / 2 + 0.5)));
}

/** The first non-finite value, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
