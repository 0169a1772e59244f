import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import type { Db } from '../../platform/store/open';
import { writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';

// activations.export: stream an activation set (or its logits) to CSV or NPY without holding it in memory.

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
): Promise<{ path: string; rows: number; cols: number; bytes: number }> {
  const set = acts.getSetRow(db, setId);
  if (!set) throw new AppError('not_found', `Activation set ${setId} does not exist.`);
  if (!set.complete) throw new AppError('bad_input', `Activation set ${setId} is not complete yet; finish (resume) the extraction first.`);
  const cols = kind === 'act' ? set.nNeurons : set.nLogits;
  const rows = set.nImages;
  const written = await writeFileSafely(target, async (out) => {
    if (format === 'npy') await out.write(npyHeader(rows, cols));
    else await out.write(Array.from({ length: cols }, (_, j) => `${kind === 'act' ? 'n' : 'logit'}${j}`).join(',') + '\n');
    for (const c of acts.readChunks(db, setId, kind)) {
      if (format === 'npy') {
        await out.write(Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
        continue;
      }
      const lines: string[] = [];
      for (let i = 0; i < c.nRows; i++) lines.push(Array.from(c.data.subarray(i * cols, (i + 1) * cols), (v) => String(v)).join(','));
      await out.write(lines.join('\n') + '\n');
    }
  });
  return { path: written.path, rows, cols, bytes: written.bytes };
}
