import { describe, expect, it } from 'vitest';
import { decodeUtf8Text } from '../../src/main/core/platform/files/textEncoding';
import { AppError } from '../../src/shared/errors';

// Text files we read must be UTF-8; everything else is named for what it is.

function refusal(bytes: Buffer): AppError {
  try {
    decodeUtf8Text(bytes, 'Labels CSV /x/l.csv');
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const text = 'path,label\nBag/a.png,caf\u00e9 \u{1F600}\n';

describe('decodeUtf8Text', () => {
  it('reads UTF-8, with or without a byte-order mark (which is dropped)', () => {
    expect(decodeUtf8Text(Buffer.from(text), 'f')).toBe(text);
    expect(decodeUtf8Text(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'f')).toBe(text);
    expect(decodeUtf8Text(Buffer.alloc(0), 'f')).toBe('');
  });

  it('names UTF-16 (with a BOM, either byte order, and without one) and UTF-32', () => {
    const le = refusal(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(le.code).toBe('bad_encoding');
    expect(le.message).toBe(
      'Labels CSV /x/l.csv is UTF-16 text (it starts with a UTF-16 little-endian byte-order mark); save it as UTF-8 (in Excel: "CSV UTF-8"; in a text editor: encoding UTF-8) and try again.',
    );
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(refusal(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).message).toMatch(
      /is UTF-16 text \(it starts with a UTF-16 big-endian byte-order mark\)/,
    );
    expect(refusal(Buffer.from(text, 'utf16le')).message).toMatch(/looks like UTF-16 text without a byte-order mark/);
    expect(refusal(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0])).message).toMatch(/is UTF-32 text/);
  });

  it('names binary data and invalid UTF-8 with where it is', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x01, 0x02, 0x03]);
    const bin = refusal(png);
    expect(bin.code).toBe('bad_encoding');
    expect(bin.message).toBe(
      'Labels CSV /x/l.csv is not a text file: it holds binary data (a zero byte at byte offset 8). Choose the UTF-8 text file.',
    );
    const latin1 = Buffer.from('path,label\nBag/a.png,caf\u00e9\n', 'latin1');
    const bad = refusal(latin1);
    expect(bad.code).toBe('bad_encoding');
    expect(bad.message).toMatch(
      /^Labels CSV \/x\/l\.csv is not valid UTF-8 text: line 2 has the bytes e9 0a \(byte offset 24\), which UTF-8 does not allow; it is probably Latin-1/,
    );
    // Overlong encodings and lone surrogates are not UTF-8 either.
    expect(refusal(Buffer.from([0x41, 0xc0, 0xaf])).data).toMatchObject({ encoding: 'invalid-utf-8', offset: 1 });
    expect(refusal(Buffer.from([0x41, 0xed, 0xa0, 0x80])).data).toMatchObject({ encoding: 'invalid-utf-8', offset: 1 });
  });
});
