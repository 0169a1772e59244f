// Seeded Gaussian noise for the initial latents: mulberry32 (32-bit state, the same generator the rest of the
// workbench seeds with) feeding Box-Muller, both outputs of each pair used. An image's noise depends only on its own
// seed (one generator per image), so any image of a request can be remade alone and a batch size never changes it.
// Not the same numbers as torch.randn: goldens feed stored noise instead.

import { mulberry32 } from '../le/splits';

export function gaussianNoise(seed: number, n: number): Float32Array {
  const u = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())); // 1 - u in (0, 1]: never log(0)
    const theta = 2 * Math.PI * u();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}
