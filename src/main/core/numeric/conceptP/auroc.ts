/**
 * AUROC = P(score of a random positive > score of a random negative) + 0.5 P(tie), by ranks
 * (Mann-Whitney U): sort all scores once (native typed-array sort), give tied scores their average rank,
 * AUROC = (sum of positive ranks - nPos (nPos + 1) / 2) / (nPos nNeg). Same as sklearn's roc_auc_score.
 * null when there are no positives or no negatives (undefined, and JSON has no NaN).
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  if (labels.length !== n) throw new Error('auroc: scores and labels differ in length');
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const sorted = Float64Array.from(scores).sort();
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (!labels[i]) continue;
    const s = scores[i];
    const lo = lowerBound(sorted, s);
    const hi = upperBound(sorted, s);
    rankSum += (lo + 1 + hi) / 2; // ranks lo+1..hi (1-based) share their mean
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * AUROC of every column of a row-major rows x cols score matrix (cos, P, or a QuantizedMatrix's codes:
 * AUROC only needs the order) against a rows x cols 0/1 label matrix.
 */
export function aurocColumns(scores: ArrayLike<number>, labels: ArrayLike<number>, rows: number, cols: number): (number | null)[] {
  if (scores.length !== rows * cols || labels.length !== rows * cols)
    throw new Error(`aurocColumns: expected ${rows} x ${cols} scores and labels`);
  const s = new Float64Array(rows);
  const y = new Uint8Array(rows);
  const out: (number | null)[] = [];
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      s[i] = scores[i * cols + j];
      y[i] = labels[i * cols + j] ? 1 : 0;
    }
    out.push(auroc(s, y));
  }
  return out;
}
