import { sigmoid } from './bce';

export interface ReliabilityBin {
  /** Predicted-P interval [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted P in the bin (null when empty: JSON has no NaN). */
  meanPredicted: number | null;
  /** Observed share of positives in the bin (null when empty). */
  observed: number | null;
}

export interface ReliabilityDiagram {
  bins: ReliabilityBin[];
  /** Expected calibration error: sum over bins of count / n * |meanPredicted - observed|. */
  ece: number;
  count: number;
}

function diagram(count: Float64Array, sumP: Float64Array, sumY: Float64Array): ReliabilityDiagram {
  const k = count.length;
  let n = 0;
  for (let i = 0; i < k; i++) n += count[i];
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let i = 0; i < k; i++) {
    const c = count[i];
    if (c > 0) ece += (c / n) * Math.abs(sumP[i] / c - sumY[i] / c);
    bins.push({ lo: i / k, hi: (i + 1) / k, count: c, meanPredicted: c > 0 ? sumP[i] / c : null, observed: c > 0 ? sumY[i] / c : null });
  }
  return { bins, ece, count: n };
}

function accumulate(bins: number, n: number, pAt: (i: number) => number, labels: ArrayLike<number>): ReliabilityDiagram {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = pAt(i);
    let k = Math.floor(p * bins);
    k = k < 0 ? 0 : k >= bins ? bins - 1 : k;
    count[k]++;
    sumP[k] += p;
    sumY[k] += labels[i] ? 1 : 0;
  }
  return diagram(count, sumP, sumY);
}

/** Reliability diagram over `bins` equal-width bins of predicted P in [0, 1] (default 10) plus ECE. */
export function reliabilityDiagram(predicted: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityDiagram {
  if (predicted.length !== labels.length) throw new Error('reliabilityDiagram: predictions and labels differ in length');
  return accumulate(bins, predicted.length, (i) => predicted[i], labels);
}

/** The same for P = sigmoid(a * (cos + b)) without materialising P. */
export function reliabilityFromCos(cos: ArrayLike<number>, labels: ArrayLike<number>, a: number, b: number, bins = 10): ReliabilityDiagram {
  if (cos.length !== labels.length) throw new Error('reliabilityFromCos: cos and labels differ in length');
  return accumulate(bins, cos.length, (i) => sigmoid(a * (cos[i] + b)), labels);
}
