// Pearson correlation, two-pass in float64 (mean first, then centred sums: no cancellation). Shared by the
// backend's scoring (numeric/le/pearson.ts) and the renderer (the r of the points a chart draws).

/** r of the first min(len) pairs; null when it is undefined (fewer than 2 points, or a side with no variance). */
export function pearsonOrNull(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}
