// The assignment that maximises total weight: rows (probe classes) to distinct columns (model classes).
// Used to infer a model's class order from its predictions: w[r][c] = images of probe class r predicted as c.
// Hungarian algorithm (Kuhn-Munkres with potentials) on the rows and columns that have any weight, the smaller side
// assigned (O(n^2 m)); bruteForceAssignment is the slow reference (every injective map) the tests compare it with.

export interface Assignment {
  /** Column of each row; -1 when no column is left for it (more rows than columns). */
  columnOf: Int32Array;
  /** Sum of w[r][columnOf[r]] over assigned rows. */
  total: number;
}

/**
 * Max-weight assignment of a rows x cols matrix (row-major) of non-negative weights (counts). Ties: any optimum.
 * Rows and columns whose weights are all 0 take no part (they are paired up afterwards at weight 0), and the smaller
 * side is the one assigned (transposed when there are more rows than columns): an untrained model whose predictions
 * pile on a few classes is a problem of those few columns, not of every class.
 */
export function maxWeightAssignment(w: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (w.length !== rows * cols) throw new Error(`weights have ${w.length} entries, expected ${rows} x ${cols}`);
  const rowUsed = new Uint8Array(rows);
  const colUsed = new Uint8Array(cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const x = w[r * cols + c];
      if (!Number.isFinite(x)) throw new Error(`weight ${r * cols + c} is not finite`);
      if (x < 0) throw new Error(`weight ${r * cols + c} is negative (${x}); weights are counts`);
      if (x > 0) rowUsed[r] = colUsed[c] = 1;
    }
  const R = [...rowUsed.keys()].filter((r) => rowUsed[r]);
  const C = [...colUsed.keys()].filter((c) => colUsed[c]);
  const columnOf = new Int32Array(rows).fill(-1);
  let total = 0;
  if (R.length && C.length) {
    // The reduced problem, with the smaller side as rows.
    const flip = R.length > C.length;
    const [a, b] = flip ? [C, R] : [R, C];
    const sub = new Float64Array(a.length * b.length);
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < b.length; j++) sub[i * b.length + j] = flip ? w[b[j] * cols + a[i]] : w[a[i] * cols + b[j]];
    const match = hungarianRectangular(sub, a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      const r = flip ? b[match[i]] : a[i];
      const c = flip ? a[i] : b[match[i]];
      columnOf[r] = c;
      total += w[r * cols + c];
    }
  }
  // Everything else at weight 0: free rows take free columns in order, as long as there are any.
  const taken = new Uint8Array(cols);
  for (const c of columnOf) if (c >= 0) taken[c] = 1;
  let next = 0;
  for (let r = 0; r < rows; r++) {
    if (columnOf[r] >= 0) continue;
    while (next < cols && taken[next]) next++;
    if (next === cols) break;
    columnOf[r] = next;
    taken[next] = 1;
  }
  return { columnOf, total };
}

/**
 * Kuhn-Munkres with potentials for n <= m (every row gets a distinct column), maximising; O(n^2 m). Returns the
 * column of each row.
 */
function hungarianRectangular(w: Float64Array, n: number, m: number): Int32Array {
  let max = 0;
  for (const x of w) if (x > max) max = x;
  // Minimise cost = max - w. 1-based u, v, p, way as in the classic formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row matched to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      const row = (i0 - 1) * m - 1; // w[row + j]: row i0, column j (1-based)
      const ui0 = u[i0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = max - w[row + j] - ui0 - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
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
  const col = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (p[j] > 0) col[p[j] - 1] = j - 1;
  return col;
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
