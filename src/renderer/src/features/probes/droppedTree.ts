import { UPLOAD_IMAGE_EXTENSIONS, UPLOAD_LIMITS } from '../../../../shared/contract';
import { formatBytes } from '../../lib/format';

// Reading a folder dropped onto the page (browser mode): the drop event's DataTransferItem gives a
// FileSystemEntry (webkitGetAsEntry, in every current browser); its directory reader lists the tree. What the
// upload sends is decided here, with the same rules the import applies on disk: hidden entries (".name") are
// ignored, image files go, and what does not go is listed with the import's skip code and why.

export interface DroppedFile {
  /** Relative to the dropped folder, '/'-separated. */
  relPath: string;
  file: File;
}

export interface NotSent {
  relPath: string;
  /** "<skip code>: <why>", the import's form (see skipReasons.ts). */
  reason: string;
  bytes: number;
}

export interface DroppedTree {
  name: string;
  images: DroppedFile[];
  /** CSV files at the top of the folder: candidates for the labels CSV. */
  csvs: DroppedFile[];
  notSent: NotSent[];
  /** Hidden files and folders left out, as the import leaves them out. */
  hidden: number;
  /** Bytes of the images. */
  bytes: number;
}

const IMAGE_EXT = new Set<string>(UPLOAD_IMAGE_EXTENSIONS);

function extOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

const isDirectory = (e: FileSystemEntry): e is FileSystemDirectoryEntry => e.isDirectory;
const isFile = (e: FileSystemEntry): e is FileSystemFileEntry => e.isFile;

function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  // readEntries answers in batches (100 at a time in Chromium) until it answers an empty list.
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(out);
        out.push(...batch);
        next();
      }, reject);
    next();
  });
}

const fileOf = (e: FileSystemFileEntry): Promise<File> => new Promise((resolve, reject) => e.file(resolve, reject));

/** Read the dropped folder's tree; `signal` stops a long listing. */
export async function readDroppedTree(root: FileSystemDirectoryEntry, signal?: AbortSignal): Promise<DroppedTree> {
  const tree: DroppedTree = { name: root.name, images: [], csvs: [], notSent: [], hidden: 0, bytes: 0 };
  const pending: [FileSystemDirectoryEntry, string][] = [[root, '']];
  while (pending.length) {
    if (signal?.aborted) throw new DOMException('Cancelled', 'AbortError');
    const [dir, rel] = pending.pop() as [FileSystemDirectoryEntry, string];
    for (const entry of await readAll(dir)) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) {
        tree.hidden++;
        continue;
      }
      if (isDirectory(entry)) {
        pending.push([entry, relPath]);
        continue;
      }
      if (!isFile(entry)) continue;
      const file = await fileOf(entry);
      const ext = extOf(entry.name);
      if (ext === '.csv' && !rel) tree.csvs.push({ relPath, file });
      else if (!IMAGE_EXT.has(ext))
        tree.notSent.push({
          relPath,
          bytes: file.size,
          reason: `not_image: not uploaded ("${ext || 'no extension'}" is not an image type)`,
        });
      else if (file.size > UPLOAD_LIMITS.maxFileBytes)
        tree.notSent.push({
          relPath,
          bytes: file.size,
          reason: `too_large: ${formatBytes(file.size)}, over the ${formatBytes(UPLOAD_LIMITS.maxFileBytes)} limit; not uploaded`,
        });
      else if (relPath.includes('\\') || [...relPath].some((c) => c.charCodeAt(0) < 0x20))
        tree.notSent.push({
          relPath,
          bytes: file.size,
          reason: 'bad_name: the name holds a backslash or a control character; rename it to upload it',
        });
      else {
        tree.images.push({ relPath, file });
        tree.bytes += file.size;
      }
    }
  }
  const byPath = (a: { relPath: string }, b: { relPath: string }) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0);
  tree.images.sort(byPath);
  tree.notSent.sort(byPath);
  tree.csvs.sort(byPath);
  return tree;
}
