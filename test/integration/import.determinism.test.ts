import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipCodeOf } from '../../src/main/core/features/probes/skipReasons';
import { call, withProject } from '../helpers/backend';
import { fashionMnistPng, writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// Image ids follow one stable order of the relative paths (code points of the NFC form, then of the path
// as on disk), whatever order the 16 files in flight finish decoding in; names that are not UTF-8 are
// skipped with that reason; one folder name in NFC and NFD is one class, and the import says so.

const CAFE_NFC = 'Caf\u00e9';
const CAFE_NFD = 'Cafe\u0301';

/** The expected order, computed independently of the app: arrays of code points, compared element-wise. */
function codePointOrder(paths: string[]): string[] {
  const cps = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  return [...paths].sort((a, b) => cmp(cps(a.normalize('NFC')), cps(b.normalize('NFC'))) || cmp(cps(a), cps(b)));
}

async function writeUnicodeNames(root: string): Promise<string[]> {
  // U+FF21 (fullwidth A) vs U+1F600 (an emoji): code point order puts FF21 first, JS string `<` (UTF-16
  // code units, D83D...) puts the emoji first. Plus one folder name in both normal forms.
  const names = [
    'odd/\uFF21.png',
    'odd/\u{1F600}.png',
    'odd/Z.png',
    'odd/a.png',
    'odd/\u00e9.png',
    `${CAFE_NFC}/x.png`,
    `${CAFE_NFD}/x.png`,
    `${CAFE_NFD}/y.png`,
  ];
  for (const [i, rel] of names.entries()) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), await fashionMnistPng('test', 100 + i));
  }
  return names;
}

describe('import determinism and names', () => {
  it('assigns image ids in code-point order of the NFC relative path, the same in two projects', async () => {
    const dir = await tempDir('determinism');
    const root = join(dir, 'fashion');
    const tree = await writeFashionMnistTree(root, { count: 1200, split: 'test' });
    const extra = await writeUnicodeNames(root);
    const expected = codePointOrder([...tree.files.map((f) => f.relPath), ...extra]);
    // Guard: the two orders really differ here, so the test tells code points from UTF-16 units.
    expect(expected).not.toEqual([...expected].sort());

    const sequences: { id: number; relPath: string }[][] = [];
    for (const name of ['one', 'two']) {
      const { backend } = await withProject(dir, name);
      const r = await call(backend, 'probe.import', { root });
      expect(r.images).toBe(expected.length);
      const db = backend.state.requireProject().db;
      sequences.push(
        db.prepare('SELECT id, rel_path AS relPath FROM images WHERE probe_set_id = ? ORDER BY id').all(r.probeSetId) as {
          id: number;
          relPath: string;
        }[],
      );
    }
    expect(sequences[0].map((r) => r.relPath)).toEqual(expected);
    expect(sequences[0].map((r) => r.id)).toEqual(expected.map((_, i) => i + 1));
    expect(sequences[1]).toEqual(sequences[0]);
  }, 120_000);

  it('skips names that are not UTF-8 with that reason instead of "disappeared"', async () => {
    const dir = await tempDir('badname');
    const root = join(dir, 'probe');
    await writeFashionMnistTree(root, { perClass: 2, split: 'test' });
    const png = await fashionMnistPng('test', 7);
    const latin1 = (s: string) => Buffer.from(s, 'latin1');
    // Bag/café.png with é as the single Latin-1 byte e9; and a folder déjà/ (Latin-1) holding an image.
    await writeFile(Buffer.concat([Buffer.from(join(root, 'Bag/')), latin1('caf\u00e9.png')]), png);
    const badDir = Buffer.concat([Buffer.from(`${root}/`), latin1('d\u00e9j\u00e0')]);
    await mkdir(badDir);
    await writeFile(Buffer.concat([badDir, Buffer.from('/inside.png')]), png);

    const { backend } = await withProject(dir);
    const r = await call(backend, 'probe.import', { root });
    expect(r).toMatchObject({ images: 20, skipped: 2 });
    expect(r.warnings).toEqual([expect.stringMatching(/2 file or folder name\(s\) are not valid UTF-8 and were skipped/)]);
    const skipped = await call(backend, 'probe.skipped', { probeSetId: r.probeSetId });
    expect(skipped.map((s) => [s.relPath, skipCodeOf(s.reason)])).toEqual([
      ['Bag/caf\uFFFD.png', 'bad_name'],
      ['d\uFFFDj\uFFFD/', 'bad_name'],
    ]);
    expect(skipped[0].reason).toBe(
      'bad_name: the file name is not valid UTF-8 (bytes: 63 61 66 e9 2e 70 6e 67); rename it to UTF-8 to import it',
    );
    expect(skipped[1].reason).toMatch(
      /^bad_name: the folder name is not valid UTF-8 \(bytes: 64 e9 6a e0\); .*nothing inside it was imported/,
    );
    for (const s of skipped) expect(s.reason).not.toMatch(/disappeared/);
  });

  it('merges one folder name in NFC and NFD into one class and says so', async () => {
    const dir = await tempDir('nfc');
    const root = join(dir, 'probe');
    await writeFashionMnistTree(root, { perClass: 1, split: 'test' });
    for (const [form, n] of [
      [CAFE_NFC, 2],
      [CAFE_NFD, 3],
    ] as const) {
      await mkdir(join(root, 'shop', form), { recursive: true });
      for (let i = 0; i < n; i++)
        await writeFile(join(root, 'shop', form, `${i}.png`), await fashionMnistPng('test', 50 + i + (form === CAFE_NFC ? 0 : 10)));
    }
    const { backend } = await withProject(dir);
    const r = await call(backend, 'probe.import', { root });
    expect(r.images).toBe(15);
    expect(r.warnings).toEqual([
      `The folders "shop/${CAFE_NFC}" (NFC form) and "shop/${CAFE_NFD}" (NFD form) have the same name in different Unicode forms (e.g. one copied from macOS); their 5 images were merged into one label "shop/${CAFE_NFC}".`,
    ]);
    const { labels, probeSet } = await call(backend, 'probe.summary', { probeSetId: r.probeSetId });
    expect(probeSet.classes).toBe(11);
    const cafe = labels.filter((l) => l.name.normalize('NFC') === CAFE_NFC);
    expect(cafe).toEqual([expect.objectContaining({ name: CAFE_NFC, path: `shop/${CAFE_NFC}`, kind: 'class', images: 5 })]);
    // The files keep their paths on disk (both forms), so they can still be read.
    const page = await call(backend, 'probe.images', { probeSetId: r.probeSetId, offset: 0, limit: 100, labelId: cafe[0].id });
    expect(new Set(page.rows.map((i) => i.relPath.split('/')[1]))).toEqual(new Set([CAFE_NFC, CAFE_NFD]));
    // A labels CSV may name the files in either form.
    const csv = join(dir, 'labels.csv');
    await writeFile(csv, `path,label\nshop/${CAFE_NFD}/0.png,espresso\nshop/${CAFE_NFC}/1.png,latte\n`);
    const again = await call(backend, 'probe.import', { root, labelsCsv: csv });
    const csvLabels = (await call(backend, 'probe.summary', { probeSetId: again.probeSetId })).labels.filter((l) => l.kind === 'csv');
    // Keys are NFC, so a row names the file in both spellings of the folder.
    expect(csvLabels.map((l) => [l.name, l.images])).toEqual([
      ['espresso', 2],
      ['latte', 2],
    ]);
  });
});
