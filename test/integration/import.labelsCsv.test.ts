import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabelCount } from '../../src/shared/contract';
import { call, withProject } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDir } from '../helpers/tempDir';

// The labels CSV: extra labels, class overrides, validation before anything is written.

async function setup() {
  const dir = await tempDir('csv-import');
  const root = join(dir, 'fashion');
  const tree = await writeFashionMnistTree(root, { perClass: 20, split: 'test' });
  const { backend } = await withProject(dir);
  const of = (className: string, i: number) => tree.files.filter((f) => f.className === className)[i].relPath;
  return { dir, root, backend, of };
}

const counts = (labels: LabelCount[]) => Object.fromEntries(labels.map((l) => [`${l.kind}:${l.path}`, l.images]));

describe('probe.import with a labels CSV', () => {
  it('adds CSV labels and lets a class label override the folder class and its superclasses', async () => {
    const { dir, root, backend, of } = await setup();
    const csv = join(dir, 'labels.csv');
    const sandal = of('Sandal', 0);
    const trouser = of('Trouser', 0);
    await writeFile(
      csv,
      [
        'path,label,label',
        `${of('Bag', 0)},striped`,
        `${of('Bag', 1)},striped,"dark, mostly"`,
        `${of('Coat', 2)},striped`,
        `${sandal},Sneaker`, // class name: override within footwear
        `${trouser},upper_body/Coat,worn`, // class path: override across superclasses, plus a label
      ].join('\n'),
    );
    const r = await call(backend, 'probe.import', { root, labelsCsv: csv });
    expect(r.images).toBe(200);
    const { probeSet, labels } = await call(backend, 'probe.summary', { probeSetId: r.probeSetId });
    expect(probeSet.labelsCsvPath).toBe(csv);
    expect(counts(labels)).toMatchObject({
      'csv:striped': 3,
      'csv:dark, mostly': 1,
      'csv:worn': 1,
      'class:footwear/Sandal': 19,
      'class:footwear/Sneaker': 21,
      'superclass:footwear': 60, // Sandal -> Sneaker stays within footwear
      'class:Trouser': 19,
      'class:upper_body/Coat': 21,
      'superclass:upper_body': 81,
    });
    const striped = labels.find((l) => l.path === 'striped');
    expect(striped).toMatchObject({ kind: 'csv', parentId: null, depth: 0 });

    const rows = (await call(backend, 'probe.images', { probeSetId: r.probeSetId, limit: 500 })).rows;
    expect(rows.find((x) => x.relPath === sandal)?.className).toBe('Sneaker');
    expect(rows.find((x) => x.relPath === trouser)?.className).toBe('Coat');
    const db = backend.state.requireProject().db;
    const sources = db
      .prepare(
        'SELECT l.path, il.source FROM image_labels il JOIN labels l ON l.id = il.label_id JOIN images i ON i.id = il.image_id WHERE i.rel_path = ? ORDER BY l.path',
      )
      .all(trouser);
    expect(sources).toEqual([
      { path: 'upper_body', source: 'csv' },
      { path: 'upper_body/Coat', source: 'csv' },
      { path: 'worn', source: 'csv' },
    ]);

    // The labels follow the import's inputs: importing again without the CSV drops them.
    await call(backend, 'probe.import', { root });
    const plain = counts((await call(backend, 'probe.summary', { probeSetId: r.probeSetId })).labels);
    expect(plain['csv:striped']).toBeUndefined();
    expect(plain['class:footwear/Sandal']).toBe(20);
    expect(plain['superclass:upper_body']).toBe(80);
  });

  it('rejects a bad CSV naming the file and lines, before anything is written', async () => {
    const { dir, root, backend, of } = await setup();
    const csv = join(dir, 'bad.csv');
    await writeFile(csv, `path,label\n${of('Bag', 0)},ok\nnot/there.png,x\n${of('Bag', 1)}\n`);
    const err = await call(backend, 'probe.import', { root, labelsCsv: csv }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_input' });
    const message = (err as Error).message;
    expect(message).toContain(csv);
    expect(message).toContain('line 3');
    expect(message).toContain('line 4');
    expect(await call(backend, 'probe.list', {})).toEqual([]);
    expect(await call(backend, 'jobs.list', {})).toEqual([]);
    const db = backend.state.requireProject().db;
    expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 0 });
  });
});
