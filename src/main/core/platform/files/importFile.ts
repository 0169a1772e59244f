import { readFile } from 'node:fs/promises';
import { AppError } from '../../../../shared/errors';
import { fsError } from './fsErrors';
import { decodeUtf8Text } from './textEncoding';

// A results file the user hands an importer (LE results, other tools' labels): read whole, named in every error
// (missing: not_found; unreadable: the file-system error's code), and decoded as UTF-8 (else bad_encoding).

export async function readImportFile(file: string): Promise<{ bytes: Buffer; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('not_found', `${file} does not exist.`, { path: file });
    const coded = fsError(e, file, 'read');
    throw coded instanceof AppError ? coded : new AppError('bad_input', `${file} cannot be read: ${(e as Error).message}.`, { path: file });
  }
  return { bytes, text: decodeUtf8Text(bytes, file) };
}
