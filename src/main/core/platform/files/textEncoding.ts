import { AppError } from '../../../../shared/errors';

// Every text file a user hands us (labels CSV, concept lists, LE results) must be UTF-8. Decoding anything
// else as UTF-8 "works" and yields garbage that fails later with a misleading message ("no path column",
// "not a file in the imported folder"), so the encoding is checked first and named: UTF-16/UTF-32 (by
// byte-order mark, or by the NUL pattern of BOM-less UTF-16), binary files (NUL bytes), and invalid UTF-8
// (usually Latin-1 / Windows-1252). A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped silently.

const HOW = 'save it as UTF-8 (in Excel: "CSV UTF-8"; in a text editor: encoding UTF-8) and try again';

/** Bytes as "e9 20 41" for messages. */
export function hexBytes(bytes: Uint8Array, max = 16): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} ...` : shown;
}

function startsWith(buf: Uint8Array, prefix: readonly number[]): boolean {
  return buf.length >= prefix.length && prefix.every((b, i) => buf[i] === b);
}

/** NUL bytes mostly at odd (UTF-16LE) or even (UTF-16BE) offsets of the first few KB: BOM-less UTF-16. */
function looksLikeUtf16(buf: Uint8Array): 'LE' | 'BE' | null {
  const n = Math.min(buf.length, 4096) & ~1;
  if (n < 4) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) even++;
    if (buf[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd > pairs * 0.3 && even < pairs * 0.05) return 'LE';
  if (even > pairs * 0.3 && odd < pairs * 0.05) return 'BE';
  return null;
}

/** 1-based line of byte `offset`. */
function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629: no overlongs, no surrogates). */
function firstInvalidUtf8(buf: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < buf.length && buf[i] >= lo && buf[i] <= hi;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) i += 1;
    else if (b >= 0xc2 && b <= 0xdf && cont(i + 1)) i += 2;
    else if (b >= 0xe0 && b <= 0xef && cont(i + 1, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf) && cont(i + 2)) i += 3;
    else if (b >= 0xf0 && b <= 0xf4 && cont(i + 1, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3))
      i += 4;
    else return i;
  }
  return buf.length;
}

/**
 * The bytes of `file` as UTF-8 text, without a UTF-8 byte-order mark. `what` names the file in messages
 * ("Labels CSV /x/labels.csv"). Throws AppError 'bad_encoding' saying what the file is instead.
 */
export function decodeUtf8Text(buf: Uint8Array, what: string): string {
  if (startsWith(buf, [0xff, 0xfe, 0, 0]) || startsWith(buf, [0, 0, 0xfe, 0xff])) {
    throw new AppError('bad_encoding', `${what} is UTF-32 text (it starts with a UTF-32 byte-order mark); ${HOW}.`, { encoding: 'utf-32' });
  }
  if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff])) {
    const order = buf[0] === 0xff ? 'little-endian' : 'big-endian';
    throw new AppError('bad_encoding', `${what} is UTF-16 text (it starts with a UTF-16 ${order} byte-order mark); ${HOW}.`, {
      encoding: 'utf-16',
    });
  }
  const skip = startsWith(buf, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  const body = buf.subarray(skip);
  const nul = body.indexOf(0);
  if (nul >= 0) {
    const utf16 = looksLikeUtf16(body);
    if (utf16)
      throw new AppError('bad_encoding', `${what} looks like UTF-16 text without a byte-order mark (every other byte is zero); ${HOW}.`, {
        encoding: 'utf-16',
      });
    throw new AppError(
      'bad_encoding',
      `${what} is not a text file: it holds binary data (a zero byte at byte offset ${skip + nul}). Choose the UTF-8 text file.`,
      {
        encoding: 'binary',
        offset: skip + nul,
      },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const at = firstInvalidUtf8(body);
    throw new AppError(
      'bad_encoding',
      `${what} is not valid UTF-8 text: line ${lineAt(body, at)} has the bytes ${hexBytes(body.subarray(at, at + 4))} (byte offset ${skip + at}), which UTF-8 does not allow; ` +
        `it is probably Latin-1 / Windows-1252 text: ${HOW}.`,
      { encoding: 'invalid-utf-8', offset: skip + at, line: lineAt(body, at) },
    );
  }
}

/** `bytes` as a string when they are valid UTF-8, else null (file names read as raw bytes). */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
