import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Db } from '../../platform/store/open';
import { imageSources, type ImageSource } from '../../platform/store/probeRepo';
import { forEachConcurrent } from '../../platform/jobs/concurrent';
import { hashFile } from './inspectFile';

// Thumbnails as JPEG data URLs, cached in a disposable sidecar folder next to the project:
//   <dir>/<project name>.cache/thumbs/<sha256[0:2]>/<sha256>-<size>.jpg
// Keyed by the content hash recorded at import: a cache hit never touches the source, and a source whose
// content no longer matches its hash is reported (re-import) instead of caching a thumbnail of other pixels.

export interface Thumbnail {
  id: number;
  dataUrl: string | null;
  error?: string;
}

const IN_FLIGHT = 8;

export function thumbCacheDir(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath).replace(/\.nwb$/i, '')}.cache`, 'thumbs');
}

export function thumbPath(projectPath: string, sha256: string, size: number): string {
  return join(thumbCacheDir(projectPath), sha256.slice(0, 2), `${sha256}-${size}.jpg`);
}

/** `signal`: an abandoned request (the grid scrolled on) stops generating thumbnails nobody will see. */
export async function thumbnails(
  db: Db,
  projectPath: string,
  ids: readonly number[],
  size: number,
  signal: AbortSignal,
): Promise<Thumbnail[]> {
  const sources = new Map(imageSources(db, ids).map((s) => [s.id, s]));
  const out: Thumbnail[] = new Array(ids.length);
  await forEachConcurrent(ids, IN_FLIGHT, signal, async (id, i) => {
    const src = sources.get(id);
    out[i] = src ? await thumbnail(projectPath, src, size) : { id, dataUrl: null, error: `Image ${id} does not exist in this project.` };
  });
  return out;
}

const toDataUrl = (jpeg: Buffer): string => `data:image/jpeg;base64,${jpeg.toString('base64')}`;

async function thumbnail(projectPath: string, src: ImageSource, size: number): Promise<Thumbnail> {
  const cached = thumbPath(projectPath, src.sha256, size);
  try {
    return { id: src.id, dataUrl: toDataUrl(await readFile(cached)) };
  } catch {
    // not cached yet (or unreadable): make it
  }
  const file = join(src.rootPath, ...src.relPath.split('/'));
  let input: Buffer | string;
  try {
    const st = await stat(file);
    // Small files are read once for hash and decode; big ones are hashed as a stream and decoded from the path.
    input = st.size <= 8 * 1024 * 1024 ? await readFile(file) : file;
    const sha = Buffer.isBuffer(input) ? createHash('sha256').update(input).digest('hex') : await hashFile(file);
    if (sha !== src.sha256)
      return { id: src.id, dataUrl: null, error: `${src.relPath} changed on disk since the import; import the folder again.` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (e as Error).message})`;
    return { id: src.id, dataUrl: null, error: `${src.relPath} ${why}.` };
  }
  let jpeg: Buffer;
  try {
    const meta = await sharp(input).metadata();
    // Upscaling a tiny image (28x28 digits) with a smoothing kernel blurs it; nearest keeps its pixels.
    const small = (meta.width ?? 0) < size && (meta.height ?? 0) < size;
    jpeg = await sharp(input)
      .rotate()
      .resize(size, size, { fit: 'inside', kernel: small ? 'nearest' : 'lanczos3' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 82 })
      .toBuffer();
  } catch (e) {
    return { id: src.id, dataUrl: null, error: `${src.relPath} does not decode (${(e as Error).message.split('\n')[0]}).` };
  }
  await writeAtomically(cached, jpeg).catch(() => undefined); // the cache is best effort: a read-only folder still gets thumbnails
  return { id: src.id, dataUrl: toDataUrl(jpeg) };
}

async function writeAtomically(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path); // readers never see half a file
}
