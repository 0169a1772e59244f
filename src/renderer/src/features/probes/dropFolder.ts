import { readDroppedTree } from './droppedTree';
import { uploads, type UploadDeps } from './uploadStore';

/** A folder dropped in browser mode: read its tree, then upload and import it (uploadStore.ts). */
export async function offerDroppedFolder(entry: FileSystemEntry, deps: UploadDeps): Promise<void> {
  if (!entry.isDirectory)
    throw new Error(`“${entry.name}” is a file. Drop the folder that holds the images (in sub-folders per class), not a file of it.`);
  if (uploads.running) throw new Error(`The upload of “${uploads.get()?.tree.name}” is still running; cancel it or wait for it to finish.`);
  uploads.dismiss(); // the card of an earlier drop goes now, not when this tree has been read
  uploads.offer(await readDroppedTree(entry as FileSystemDirectoryEntry), deps);
}
