// Why a file was not imported. Stored as "<code>: <detail>" so the UI can show the sentence and tests and
// filters can match the stable code before the colon.

export type SkipCode =
  | 'empty' // zero bytes
  | 'not_image' // no decoder recognises the content
  | 'corrupt' // recognised format, but the pixel data does not decode (truncated, damaged)
  | 'unreadable' // permission denied, vanished, I/O error
  | 'too_large' // file bigger than maxFileBytes
  | 'too_many_pixels' // header claims more than maxPixels
  | 'outside_root' // a symlink that points outside the imported folder
  | 'symlinked_folder' // symlinked folders are not followed (cycles, double counting)
  | 'not_a_file' // FIFO, socket, device
  | 'bad_name'; // the file or folder name is not valid UTF-8

export interface Skip {
  code: SkipCode;
  reason: string;
}

export function skip(code: SkipCode, detail: string): Skip {
  return { code, reason: `${code}: ${detail}` };
}

export function skipCodeOf(reason: string): SkipCode {
  return reason.slice(0, reason.indexOf(':')) as SkipCode;
}

/** An fs error code as a skip. */
export function unreadable(e: unknown): Skip {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return skip('unreadable', 'permission denied');
  if (code === 'ENOENT') return skip('unreadable', 'the file disappeared during the import');
  return skip('unreadable', code ? `${code} (${(e as Error).message})` : String(e));
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`;
}
