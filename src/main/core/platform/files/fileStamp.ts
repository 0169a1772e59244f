import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { AppError } from '../../../../shared/errors';

// Models added from disk (encoders, generative models) are hashed once, when added, and then only checked cheaply:
// the size + mtime of each file at add time ("stamp") tells ok / missing / changed without re-reading gigabytes.

/** Size + mtime (ms, rounded) of each file, by absolute path. */
export type Stamp = Record<string, [number, number]>;

export type StampStatus = 'ok' | 'missing' | 'changed';

export function stampOf(paths: Iterable<string>): Stamp {
  const out: Stamp = {};
  for (const f of new Set(paths)) {
    const st = statSync(f);
    out[f] = [st.size, Math.round(st.mtimeMs)];
  }
  return out;
}

/** 'missing' when the root or any stamped file is gone, 'changed' when a file's size or mtime differs. */
export function stampStatus(root: string, stamp: Stamp): StampStatus {
  try {
    statSync(root);
  } catch {
    return 'missing';
  }
  for (const [f, [size, mtime]] of Object.entries(stamp)) {
    try {
      const st = statSync(f);
      if (st.size !== size || Math.round(st.mtimeMs) !== mtime) return 'changed';
    } catch {
      return 'missing';
    }
  }
  return 'ok';
}

/**
 * sha256 over files given by name, in the given order, each as "<name>\0<size>\0<bytes>": the same files under
 * another folder hash the same. Reports bytes read, and stops between chunks when the signal is aborted.
 */
export async function hashNamedFiles(
  files: readonly { name: string; path: string }[],
  opts: { signal?: AbortSignal; onProgress?: (bytesDone: number, bytesTotal: number) => void } = {},
): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  const sizes = files.map((f) => statSync(f.path).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  for (const [i, f] of files.entries()) {
    h.update(`${f.name}\0${sizes[i]}\0`);
    for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 22 })) {
      if (opts.signal?.aborted) throw new AppError('cancelled', `Hashing ${f.path} was cancelled.`);
      h.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      opts.onProgress?.(done, total);
    }
  }
  return { sha256: h.digest('hex'), bytes: total };
}
