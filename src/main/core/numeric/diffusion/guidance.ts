// Classifier-free guidance: eps = eps_uncond + g * (eps_cond - eps_uncond). The UNet gets the unconditional rows and
// the conditional rows in one batch (uncond first, as diffusers' pipelines concatenate them).

/** `batched` holds 2B images: the first B unconditional, the next B conditional; returns B guided images. */
export function guide(batched: Float32Array, images: number, guidance: number): Float32Array {
  const half = batched.length / 2;
  if (!Number.isInteger(half) || half % images !== 0) throw new Error(`guide: ${batched.length} values are not 2 x ${images} images`);
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const u = batched[i];
    out[i] = u + guidance * (batched[half + i] - u);
  }
  return out;
}
