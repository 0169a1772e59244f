import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

// Small JSON files in the user's data folder (recent projects, the calibration library), shared by every
// process of the app: several CLI calls may write at once.

/** The parsed file, or undefined when it is missing or unreadable (these files are conveniences, rebuilt as used). */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Replace `file` atomically: write a temporary file of this write's own (pid + random suffix, so parallel
 * processes never rename each other's file away), then rename it over the old one. A reader always sees one
 * whole document; with parallel writers the last one wins.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value, null, 2));
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
