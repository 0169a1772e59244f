import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import type { Db } from '../../platform/store/open';
import { checkWriteTarget, writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';
import { csvLine } from '../../platform/files/csv';
import { probeImages } from '../../platform/store/imageRepo';
import { loadImageLabels, loadLabels } from '../../platform/store/labelRepo';

// activations.export: stream an activation set (or its logits) to CSV or NPY without holding it in memory.
// Every row names its image: CSV rows start with ROW_COLUMNS; an NPY gets a rows sidecar CSV next to it
// (`<name>.rows.csv`, row i of the matrix = line i + 1 of the sidecar) with the same columns.

/** The columns that name a matrix row's image (the CSV's first columns; the NPY sidecar's columns). */
export const ROW_COLUMNS = ['row', 'image_id', 'rel_path', 'class', 'labels'] as const;

/** The rows sidecar of an NPY export: `acts.npy` -> `acts.rows.csv`. */
export function rowsSidecarPath(npyPath: string): string {
  return /\.npy$/i.test(npyPath) ? npyPath.replace(/\.npy$/i, '.rows.csv') : `${npyPath}.rows.csv`;
}

/** Per matrix row (image-id order, the order extraction wrote): the ROW_COLUMNS fields. */
function rowFields(db: Db, set: { id: number; probeSetId: number; nImages: number }): (string | number)[][] {
  const images = probeImages(db, set.probeSetId);
  if (images.length !== set.nImages)
    throw new AppError(
      'bad_input',
      `Activation set ${set.id} has ${set.nImages} rows but its probe set now has ${images.length} images (re-imported since the extraction), so rows cannot be matched to images. Extract the layer again.`,
    );
  const labels = new Map(loadLabels(db, set.probeSetId).map((l) => [l.id, l]));
  const per = new Map<number, string[]>();
  for (const il of loadImageLabels(db, set.probeSetId)) {
    const l = labels.get(il.labelId);
    if (!l) continue;
    const list = per.get(il.imageId) ?? [];
    list.push(l.path || l.name);
    per.set(il.imageId, list);
  }
  return images.map((im, i) => [
    i,
    im.id,
    im.relPath,
    im.classId === null ? '' : (labels.get(im.classId)?.name ?? ''),
    (per.get(im.id) ?? []).sort().join(';'),
  ]);
}

/** NPY v1.0 header for a little-endian float32 C-order matrix, padded so data starts at a multiple of 64. */
export function npyHeader(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = 10 + dict.length + 1;
  const pad = (64 - (unpadded % 64)) % 64;
  const text = dict + ' '.repeat(pad) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1')]);
}

export async function exportSet(
  db: Db,
  setId: number,
  target: WriteTarget,
  format: 'csv' | 'npy',
  kind: 'act' | 'logits',
): Promise<{ path: string; rows: number; cols: number; bytes: number; rowsPath: string | null; rowColumns: string[] }> {
  const set = acts.getSetRow(db, setId);
  if (!set) throw new AppError('not_found', `Activation set ${setId} does not exist.`);
  if (!set.complete) throw new AppError('bad_input', `Activation set ${setId} is not complete yet; finish (resume) the extraction first.`);
  const cols = kind === 'act' ? set.nNeurons : set.nLogits;
  const rows = set.nImages;
  const names = rowFields(db, set);
  const sidecar = format === 'npy' ? { ...target, path: rowsSidecarPath(target.path) } : null;
  // Both targets are checked before either is written: a refused sidecar leaves no NPY behind.
  checkWriteTarget(target);
  if (sidecar) checkWriteTarget(sidecar);
  let r = 0;
  const written = await writeFileSafely(target, async (out) => {
    if (format === 'npy') await out.write(npyHeader(rows, cols));
    else
      await out.write(csvLine([...ROW_COLUMNS, ...Array.from({ length: cols }, (_, j) => `${kind === 'act' ? 'n' : 'logit'}${j}`)]) + '\n');
    for (const c of acts.readChunks(db, setId, kind)) {
      if (format === 'npy') {
        await out.write(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
        continue;
      }
      const lines: string[] = [];
      for (let i = 0; i < c.nRows; i++, r++)
        lines.push(csvLine(names[r]) + ',' + Array.from(c.data.subarray(i * cols, (i + 1) * cols), (v) => String(v)).join(','));
      await out.write(lines.join('\n') + '\n');
    }
  });
  let rowsPath: string | null = null;
  if (sidecar) {
    const side = await writeFileSafely(sidecar, async (out) => {
      await out.write([csvLine([...ROW_COLUMNS]), ...names.map((f) => csvLine(f))].join('\n') + '\n');
    });
    rowsPath = side.path;
  }
  return { path: written.path, rows, cols, bytes: written.bytes, rowsPath, rowColumns: [...ROW_COLUMNS] };
}
