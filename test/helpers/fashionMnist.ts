import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32, deflateSync, gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import type { SkipCode } from '../../src/main/core/features/probes/skipReasons';

// Real image data for tests, e2e runs and benchmarks: Fashion-MNIST from Debian's dataset-fashion-mnist
// package (gzipped IDX files), written out as a probe folder tree of greyscale 28x28 PNGs:
//   upper_body/{T-shirt_top,Pullover,Coat,Shirt}/  footwear/{Sandal,Sneaker,Ankle_boot}/  Trouser/ Dress/ Bag/

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names in label order (label i is CLASS_NAMES[i]). */
export const CLASS_NAMES = [
  'T-shirt_top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle_boot',
] as const;
/** The word(s) the captioner fixtures use for each class (scripts/fixtures/train_captioner.py CLASS_WORDS). */
export const CLASS_WORDS: Readonly<Record<string, string>> = {
  'T-shirt_top': 't-shirt',
  Trouser: 'trousers',
  Pullover: 'pullover',
  Dress: 'dress',
  Coat: 'coat',
  Sandal: 'sandal',
  Shirt: 'shirt',
  Sneaker: 'sneaker',
  Bag: 'bag',
  Ankle_boot: 'ankle boot',
} satisfies Record<(typeof CLASS_NAMES)[number], string>;
export const SUPERCLASS_OF: Readonly<Record<string, string | null>> = {
  'T-shirt_top': 'upper_body',
  Pullover: 'upper_body',
  Coat: 'upper_body',
  Shirt: 'upper_body',
  Sandal: 'footwear',
  Sneaker: 'footwear',
  Ankle_boot: 'footwear',
  Trouser: null,
  Dress: null,
  Bag: null,
};

/** Folder of a class below the probe root, e.g. "footwear/Sandal". */
export function classPath(name: string): string {
  const sup = SUPERCLASS_OF[name];
  return sup ? `${sup}/${name}` : name;
}

export type Split = 'train' | 'test';

export interface FashionMnist {
  split: Split;
  count: number;
  /** count x 28 x 28 bytes, row-major, 0 = white background in the original (ink is high). */
  pixels: Buffer;
  labels: Uint8Array;
}

const loaded = new Map<Split, FashionMnist>();

function idx(file: string, magic: number): Buffer {
  const path = join(FASHION_MNIST_DIR, file);
  if (!existsSync(path)) {
    throw new Error(`Fashion-MNIST is missing (${path}). Install it with: apt-get install dataset-fashion-mnist`);
  }
  const buf = gunzipSync(readFileSync(path));
  if (buf.readUInt32BE(0) !== magic) throw new Error(`${path} is not an IDX file with magic 0x${magic.toString(16)}.`);
  return buf;
}

/** The whole split, decoded once per process. Throws, naming the apt package, when the dataset is absent. */
export function loadFashionMnist(split: Split): FashionMnist {
  const cached = loaded.get(split);
  if (cached) return cached;
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = idx(`${prefix}-images-idx3-ubyte.gz`, 0x803);
  const labels = idx(`${prefix}-labels-idx1-ubyte.gz`, 0x801);
  const count = images.readUInt32BE(4);
  if (images.readUInt32BE(8) !== 28 || images.readUInt32BE(12) !== 28 || labels.readUInt32BE(4) !== count) {
    throw new Error(`Fashion-MNIST ${split} files disagree on their size.`);
  }
  const data: FashionMnist = { split, count, pixels: images.subarray(16), labels: new Uint8Array(labels.subarray(8)) };
  loaded.set(split, data);
  return data;
}

/** One image as a greyscale PNG. */
export function fashionMnistPng(split: Split, index: number): Promise<Buffer> {
  const d = loadFashionMnist(split);
  const px = d.pixels.subarray(index * 784, (index + 1) * 784);
  return sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

export interface TreeOptions {
  /** Take this many images in dataset order (any classes). */
  count?: number;
  /** Or: this many images of every class (default 20 when count is not given). */
  perClass?: number;
  split?: Split;
  /** First dataset index to consider. Default 0. */
  start?: number;
}

export interface TreeFile {
  relPath: string;
  absPath: string;
  index: number;
  label: number;
  className: string;
}

export interface TreeClass {
  name: string;
  path: string;
  superclass: string | null;
  count: number;
}

/** Write a probe folder tree of Fashion-MNIST PNGs under `dir`; files are named <split>_<index>.png. */
export async function writeFashionMnistTree(dir: string, opts: TreeOptions = {}): Promise<{ files: TreeFile[]; classes: TreeClass[] }> {
  const split = opts.split ?? 'train';
  const data = loadFashionMnist(split);
  const perClass = opts.count === undefined ? (opts.perClass ?? 20) : undefined;
  const taken = new Array<number>(CLASS_NAMES.length).fill(0);
  const files: TreeFile[] = [];
  for (let i = opts.start ?? 0; i < data.count; i++) {
    if (opts.count !== undefined && files.length >= opts.count) break;
    const label = data.labels[i];
    if (perClass !== undefined) {
      if (taken[label] >= perClass) {
        if (taken.every((n) => n >= perClass)) break;
        continue;
      }
    }
    taken[label]++;
    const className = CLASS_NAMES[label];
    const relPath = `${classPath(className)}/${split}_${String(i).padStart(5, '0')}.png`;
    files.push({ relPath, absPath: join(dir, relPath), index: i, label, className });
  }
  for (const d of new Set(files.map((f) => dirname(f.absPath)))) await mkdir(d, { recursive: true });
  let next = 0;
  const writer = async () => {
    while (next < files.length) {
      const f = files[next++];
      await writeFile(f.absPath, await fashionMnistPng(split, f.index));
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  const classes = CLASS_NAMES.map((name, label) => ({
    name,
    path: classPath(name),
    superclass: SUPERCLASS_OF[name],
    count: taken[label],
  })).filter((c) => c.count > 0);
  return { files, classes };
}

export interface BrokenFile {
  relPath: string;
  /** The skip code the import must report for it (default limits). */
  expected: SkipCode;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A well-formed PNG header claiming width x height, with a token IDAT: "gigantic" without the bytes. */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1024))), pngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * Add files an import must skip, each with the reason it must give, under `dir` (in `sub`, default the
 * root itself). The oversized file is sparse: 300 MB on paper, no disk space used.
 */
export async function addBrokenFiles(dir: string, opts: { sub?: string; oversized?: boolean } = {}): Promise<BrokenFile[]> {
  const base = opts.sub ? join(dir, opts.sub) : dir;
  const rel = (name: string) => (opts.sub ? `${opts.sub}/${name}` : name);
  await mkdir(base, { recursive: true });
  const good = await fashionMnistPng('test', 0);
  const out: BrokenFile[] = [];
  const put = async (name: string, data: Buffer | string, expected: SkipCode) => {
    await writeFile(join(base, name), data);
    out.push({ relPath: rel(name), expected });
  };
  await put('empty.png', Buffer.alloc(0), 'empty');
  await put('not_really.jpg', 'This is a text file with an image extension.\n', 'not_image');
  await put('README.txt', 'Fashion-MNIST probe folder written by the tests.\n', 'not_image');
  await put('truncated.png', good.subarray(0, Math.floor(good.length * 0.6)), 'corrupt');
  await put('gigantic.png', pngClaiming(30000, 30000), 'too_many_pixels');
  if (opts.oversized !== false) {
    const fh = await open(join(base, 'oversized.png'), 'w');
    await fh.truncate(300 * 1024 * 1024);
    await fh.close();
    out.push({ relPath: rel('oversized.png'), expected: 'too_large' });
  }
  return out.sort((a, b) => (a.relPath < b.relPath ? -1 : 1));
}

/** Hidden entries an import must ignore entirely (not imported, not listed as skipped). */
export async function addHiddenFiles(dir: string): Promise<string[]> {
  await mkdir(join(dir, '.thumbs'), { recursive: true });
  await writeFile(join(dir, '.DS_Store'), 'junk');
  await writeFile(join(dir, '.thumbs', 'a.png'), await fashionMnistPng('test', 1));
  return ['.DS_Store', '.thumbs/a.png'];
}
