// The assignment that maximises total weight: rows (probe classes) to distinct columns (model classes).
// Used to infer a model's class order from its predictions: w[r][c] = images of probe class r predicted as c.
// Hungarian algorithm (Kuhn-Munkres with potentials, O(n^3)) on the square matrix padded with zeros;
// bruteForceAssignment is the slow reference (every permutation) the tests compare it with.

export interface Assignment {
  /** Column of each row; -1 when the row got a padding column (more rows than columns). */
  columnOf: Int32Array;
  /** Sum of w[r][columnOf[r]] over assigned rows. */
  total: number;
}

/** Max-weight assignment of a rows x cols weight matrix (row-major). Ties: any optimum. */
export function maxWeightAssignment(w: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (w.length !== rows * cols) throw new Error(`weights have ${w.length} entries, expected ${rows} x ${cols}`);
  const n = Math.max(rows, cols);
  if (n === 0) return { columnOf: new Int32Array(0), total: 0 };
  let max = 0;
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) throw new Error(`weight ${i} is not finite`);
    if (w[i] > max) max = w[i];
  }
  // Minimise cost = max - w (padding: cost max, i.e. weight 0). 1-based arrays as in the classic formulation.
  const cost = (i: number, j: number): number => (i <= rows && j <= cols ? max - w[(i - 1) * cols + (j - 1)] : max);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[j]: row matched to column j (0 = none)
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const columnOf = new Int32Array(rows).fill(-1);
  let total = 0;
  for (let j = 1; j <= n; j++) {
    const i = p[j];
    if (i >= 1 && i <= rows && j <= cols) {
      columnOf[i - 1] = j - 1;
      total += w[(i - 1) * cols + (j - 1)];
    }
  }
  return { columnOf, total };
}

/** Slow reference: tries every injective map of rows to columns (rows <= 8). */
export function bruteForceAssignment(w: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (rows > 8 || cols > 8) throw new Error('brute force is for small cases (<= 8 rows and columns)');
  let best = -Infinity;
  let bestMap = new Int32Array(rows).fill(-1);
  const cur = new Int32Array(rows).fill(-1);
  const taken = new Uint8Array(cols);
  const free = Math.max(0, rows - cols); // rows that must stay unassigned
  const go = (r: number, sum: number, skipped: number): void => {
    if (r === rows) {
      if (sum > best) {
        best = sum;
        bestMap = cur.slice();
      }
      return;
    }
    for (let c = 0; c < cols; c++) {
      if (taken[c]) continue;
      taken[c] = 1;
      cur[r] = c;
      go(r + 1, sum + w[r * cols + c], skipped);
      taken[c] = 0;
    }
    if (skipped < free) {
      cur[r] = -1;
      go(r + 1, sum, skipped + 1);
    }
  };
  go(0, 0, 0);
  return { columnOf: bestMap, total: rows === 0 ? 0 : best };
}
