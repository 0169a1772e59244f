import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import type { Db } from '../../platform/store/open';
import { findNonFinite, type NonFiniteReport } from '../../numeric/stats/stats';

// NaN / +-Infinity from a model (NaN weights, overflow, log of a negative, 1/0): the coded error an extraction
// stops with under onNonFinite 'stop'. It names the tensor, the first image, how many values / images /
// neurons, what was kept, and how to continue. Checked per batch before anything of the batch is written, and
// once more over the stored rows before a set is completed (rows stored by an earlier 'flag' run).

export interface NonFiniteWhere {
  /** 'layer': the extracted layer's summarised activations; 'logits': the stored model output. */
  kind: 'layer' | 'logits';
  tensor: string;
  /** Neurons per image (layer) or logits per image. */
  cols: number;
  /** Image index (0-based, probe-set order) of the block's row 0. */
  firstRow: number;
  /** Rows in the block. */
  blockRows: number;
  nImages: number;
  relPaths: readonly string[];
  activationSetId: number;
  /** Images whose rows are committed and stay valid. */
  savedImages: number;
  /** true: found in rows stored earlier (an interrupted 'flag' run), not in a new batch. */
  stored?: boolean;
}

const fmtValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function list(cols: readonly number[], max = 10): string {
  return cols.length <= max ? cols.join(', ') : `${cols.slice(0, max).join(', ')}, ... (${cols.length - max} more)`;
}

export function nonFiniteError(w: NonFiniteWhere, r: NonFiniteReport): AppError {
  const first = r.first!;
  const imageIndex = w.firstRow + first.row;
  const rel = w.relPaths[imageIndex] ?? `#${imageIndex + 1}`;
  const unit = w.kind === 'layer' ? 'neuron' : 'logit';
  const what = w.kind === 'layer' ? `Layer '${w.tensor}'` : `The model output '${w.tensor}' (stored as logits)`;
  const span = w.stored
    ? `in the rows already stored for activation set ${w.activationSetId}`
    : `in the batch of images ${w.firstRow + 1}-${w.firstRow + w.blockRows} of ${w.nImages}`;
  const kept = w.stored
    ? `They were stored by an earlier run with --onNonFinite flag; the set stays incomplete.`
    : `Nothing of this batch was saved; the ${plural(w.savedImages, 'image')} before it were and stay valid (activation set ${w.activationSetId}, resumable).`;
  const consequence =
    w.kind === 'layer'
      ? ', flag these neurons and continue (their stats then use finite values only; explain.run skips them)'
      : ' and continue (ablation and Top Impact then refuse this set)';
  const message =
    `${what} produced ${plural(r.values, 'non-finite value')} (NaN or +-Infinity) ${span}: ${plural(r.rows, 'image')}, ` +
    `${r.cols.length} of ${plural(w.cols, unit)} (${r.cols.length === 1 ? unit : `${unit}s`} ${list(r.cols)}). First: image '${rel}' (image ${imageIndex + 1}), ${unit} ${first.col} = ${fmtValue(first.value)}. ` +
    `${kept} Check the model (NaN weights, overflow, log or division by zero) and its preprocessing, or run activations.extract again with the same parameters ` +
    `and --onNonFinite flag to store these values${consequence}.`;
  return new AppError('non_finite', message, {
    kind: w.kind,
    tensor: w.tensor,
    values: r.values,
    images: r.rows,
    [w.kind === 'layer' ? 'neurons' : 'logits']: r.cols,
    firstImage: rel,
    firstImageIndex: imageIndex,
    [w.kind === 'layer' ? 'firstNeuron' : 'firstLogit']: first.col,
    firstValue: fmtValue(first.value),
    activationSetId: w.activationSetId,
    savedImages: w.savedImages,
  });
}

/** Throws non_finite when a new batch (rows x cols) has any NaN / +-Infinity. */
export function refuseNonFinite(data: Float32Array, w: NonFiniteWhere): void {
  const r = findNonFinite(data, w.blockRows, w.cols);
  if (r.values) throw nonFiniteError(w, r);
}

/** The same over the stored rows of a set (every chunk of `kind`), one report for the whole set. */
export function scanStored(db: Db, setId: number, kind: 'act' | 'logits', cols: number): NonFiniteReport {
  const total: NonFiniteReport = { values: 0, rows: 0, cols: [], first: null };
  const hit = new Set<number>();
  let row = 0;
  for (const c of acts.readChunks(db, setId, kind)) {
    const r = findNonFinite(c.data, c.nRows, cols);
    total.values += r.values;
    total.rows += r.rows;
    for (const j of r.cols) hit.add(j);
    if (!total.first && r.first) total.first = { ...r.first, row: row + r.first.row };
    row += c.nRows;
  }
  total.cols = [...hit].sort((a, b) => a - b);
  return total;
}
