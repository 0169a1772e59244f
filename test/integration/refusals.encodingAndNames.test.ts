import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { call, withProject } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';
import { PLANTED, extract, probeProject } from './explain.helpers';

// Text files in another encoding are refused as bad_encoding naming the encoding (labels CSV, concept
// lists, LE results); an LE file of another layer is refused unless the caller says it is the same layer;
// explain.run on a probe set too small for its split says so; concept sets are keyed by their name.

const UTF16_BOM = Buffer.from([0xff, 0xfe]);
const utf16 = (s: string) => Buffer.concat([UTF16_BOM, Buffer.from(s, 'utf16le')]);
const BAD_ENCODING = /is UTF-16 text \(it starts with a UTF-16 little-endian byte-order mark\); save it as UTF-8/;

describe('encodings, layer names, split size, concept set names', () => {
  it('refuses UTF-16 and binary labels CSVs and concept lists, naming the encoding; accepts a UTF-8 BOM', async () => {
    const dir = await tempDir('encoding');
    const root = join(dir, 'fashion');
    const tree = await writeFashionMnistTree(root, { perClass: 1, split: 'test' });
    const { backend } = await withProject(dir);
    const csvText = `path,label\n${tree.files[0].relPath},striped\n`;

    const csv16 = join(dir, 'labels16.csv');
    writeFileSync(csv16, utf16(csvText));
    await expect(call(backend, 'probe.import', { root, labelsCsv: csv16 })).rejects.toMatchObject({
      code: 'bad_encoding',
      message: expect.stringMatching(new RegExp(`^Labels CSV ${csv16.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${BAD_ENCODING.source}`)),
    });
    expect(await call(backend, 'probe.list', {})).toEqual([]); // refused before anything was written
    // A folder with nothing to import is refused too (it used to become an empty probe set).
    mkdirSync(join(dir, 'empty', 'a'), { recursive: true });
    await expect(call(backend, 'probe.import', { root: join(dir, 'empty') })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/empty holds no files to import/),
    });
    expect(await call(backend, 'probe.list', {})).toEqual([]);

    const bom = join(dir, 'labels-bom.csv');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvText)]));
    const r = await call(backend, 'probe.import', { root, labelsCsv: bom });
    expect(
      (await call(backend, 'probe.summary', { probeSetId: r.probeSetId })).labels.filter((l) => l.kind === 'csv').map((l) => l.name),
    ).toEqual(['striped']);

    const list16 = join(dir, 'concepts.txt');
    writeFileSync(list16, utf16('sandal\nboot\n'));
    await expect(call(backend, 'conceptSet.import', { path: list16 })).rejects.toMatchObject({
      code: 'bad_encoding',
      message: expect.stringMatching(BAD_ENCODING),
    });
    const binary = join(dir, 'image.csv');
    writeFileSync(binary, readFileSync(tree.files[0].absPath));
    await expect(call(backend, 'conceptSet.import', { path: binary })).rejects.toMatchObject({
      code: 'bad_encoding',
      message: expect.stringMatching(/image\.csv is not a text file: it holds binary data/),
    });
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from('caf\u00e9\nboot\n', 'latin1'));
    await expect(call(backend, 'conceptSet.import', { path: latin1 })).rejects.toMatchObject({
      code: 'bad_encoding',
      message: expect.stringMatching(/latin1\.txt is not valid UTF-8 text: line 1 has the bytes e9 0a/),
    });
    expect(await call(backend, 'conceptSet.list', {})).toEqual([]);
  });

  // root reads every folder whatever its mode, so this runs only as a normal user.
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable probe folder as permission_denied naming it', async () => {
    const dir = await tempDir('eacces');
    const root = join(dir, 'locked');
    await writeFashionMnistTree(root, { perClass: 1, split: 'test' });
    const { backend } = await withProject(dir);
    chmodSync(root, 0o000);
    onTestFinished(() => chmodSync(root, 0o755));
    await expect(call(backend, 'probe.import', { root })).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringContaining(root),
    });
    expect(await call(backend, 'probe.list', {})).toEqual([]);
  });

  it('keys concept sets by name: same name + same concepts is a no-op, a typed name in use for other concepts is refused', async () => {
    const dir = await tempDir('names');
    const { backend } = await withProject(dir);
    const a = join(dir, 'mine.txt');
    const b = join(dir, 'other', 'mine.txt');
    writeFileSync(a, 'sandal\nboot\n');
    mkdirSync(join(dir, 'other'));
    writeFileSync(b, 'heel\nstrap\n');

    const first = await call(backend, 'conceptSet.import', { path: a, name: 'Shoes' });
    expect(first).toMatchObject({ created: true, set: { name: 'Shoes', count: 2 } });
    expect(await call(backend, 'conceptSet.import', { path: a, name: 'Shoes' })).toMatchObject({
      created: false,
      set: { id: first.set.id, name: 'Shoes' },
    });
    await expect(call(backend, 'conceptSet.import', { path: b, name: 'Shoes' })).rejects.toMatchObject({
      code: 'bad_input',
      message: `A concept set named "Shoes" already exists (set ${first.set.id}, 2 concepts) with other concepts than ${b} (2). Choose another name, or use the existing set.`,
    });
    // The same concepts under a new typed name: that name is honoured (it was ignored before).
    expect(await call(backend, 'conceptSet.import', { path: a, name: 'Footwear' })).toMatchObject({
      created: true,
      set: { name: 'Footwear' },
    });
    // Default names (the file's name) never refuse: a clash takes the next free "name (k)".
    expect(await call(backend, 'conceptSet.import', { path: a })).toMatchObject({ created: true, set: { name: 'mine' } });
    expect(await call(backend, 'conceptSet.import', { path: b })).toMatchObject({ created: true, set: { name: 'mine (2)' } });
    expect(await call(backend, 'conceptSet.import', { path: b })).toMatchObject({ created: false, set: { name: 'mine (2)' } });
    expect((await call(backend, 'conceptSet.list', {})).map((s) => s.name)).toEqual(['Shoes', 'Footwear', 'mine', 'mine (2)']);
  });

  it('LE import: refuses UTF-16 and another layer unless allowLayerMismatch; explain.run names a too-small probe set', async () => {
    const f = await probeProject(5); // 50 images
    const setId = await extract(f, PLANTED, 'planted');
    const { run } = await call(f.backend, 'explain.run', { activationSetId: setId });
    const csv = join(f.dir, 'le.csv');
    await call(f.backend, 'explain.export', { runId: run.id, format: 'csv', path: csv });
    const text = readFileSync(csv, 'utf8');

    const le16 = join(f.dir, 'le16.csv');
    writeFileSync(le16, utf16(text));
    await expect(call(f.backend, 'explain.import', { activationSetId: setId, path: le16 })).rejects.toMatchObject({
      code: 'bad_encoding',
      message: expect.stringMatching(BAD_ENCODING),
    });

    const other = join(f.dir, 'le-layer4.csv');
    writeFileSync(other, text.replace(/^planted,/gm, 'layer4,'));
    await expect(call(f.backend, 'explain.import', { activationSetId: setId, path: other })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(
        /le-layer4\.csv holds explanations of layer "layer4", but activation set \d+ is layer "planted"; .*allowLayerMismatch/,
      ),
    });
    const forced = await call(f.backend, 'explain.import', { activationSetId: setId, path: other, allowLayerMismatch: true });
    expect(forced.rows).toBe(6);
    expect(forced.warnings).toEqual([
      expect.stringMatching(
        /layer "layer4", but activation set \d+ is layer "planted"; imported anyway because allowLayerMismatch was given/,
      ),
    ]);
    expect(forced.run.params).toMatchObject({ fileLayer: 'layer4', layerMismatch: true });
    // The matching layer imports with no warning.
    expect((await call(f.backend, 'explain.import', { activationSetId: setId, path: csv })).warnings).toEqual([]);

    // A probe set of 10 images cannot give 2 images to each of train/val/test (70/10/20 %).
    const small = join(f.dir, 'small');
    await writeFashionMnistTree(small, { count: 10, split: 'train' });
    const smallSet = (await call(f.backend, 'probe.import', { root: small })).probeSetId;
    const smallAct = await extract(f, PLANTED, 'planted', smallSet);
    const jobsBefore = (await call(f.backend, 'jobs.list', {})).length;
    await expect(call(f.backend, 'explain.run', { activationSetId: smallAct })).rejects.toMatchObject({
      code: 'bad_input',
      message:
        'Probe set "small" has 10 image(s), too few for the 70/10/20 % train/val/test split (it would get 7/1/2); explaining needs at least 2 images in each part, so a probe set of at least 15 images. Import more images.',
    });
    expect((await call(f.backend, 'jobs.list', {})).length).toBe(jobsBefore); // refused before a job row
  }, 120_000);
});
