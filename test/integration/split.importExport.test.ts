import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/main/core/platform/files/csv';
import { call } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// A train/val/test assignment given by the user (issue #17): split.export writes the stored split as
// index,rel_path,split; split.import reads it (or index lists) back; explain.run --splitId uses it. The
// check that it is the same split image for image: LE on the re-imported copy of the seeded split gives
// exactly the seeded run's scores, and a planted assignment comes back out of split.export unchanged.

const rows = (path: string) =>
  parseCsv(readFileSync(path, 'utf8'))
    .slice(1)
    .map((r) => r.fields);

describe('split import / export', () => {
  it('round trip: export -> import (CSV and index lists) -> export is identical; explain.run on it equals the seeded run', async () => {
    const f = await probeProject(3); // 30 images, 10 class folders
    const setId = await extract(f, CNN, CNN_POOLED);
    const seeded = await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 });
    expect(seeded).toMatchObject({ source: 'seeded', name: null });

    const out = await call(f.backend, 'split.export', { splitId: seeded.id, path: join(f.dir, 'seeded.csv') });
    expect(out.rows).toBe(30);
    const exported = rows(out.path);
    expect(readFileSync(out.path, 'utf8').split('\n')[0]).toBe('index,rel_path,split');
    expect(exported.map((r) => r[0])).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    const paths = exported.map((r) => r[1]);
    expect([...paths].sort()).toEqual(paths); // sorted by relative path
    const count = (name: string) => exported.filter((r) => r[2] === name).length;
    expect({ train: count('train'), val: count('val'), test: count('test') }).toEqual(seeded.counts);

    // Imported back: a new (imported) split with the same assignment; again: the same one.
    const imp = await call(f.backend, 'split.import', { probeSetId: f.probeSetId, path: out.path });
    expect(imp).toMatchObject({ source: 'imported', name: 'seeded.csv', created: true, counts: seeded.counts });
    expect((await call(f.backend, 'split.import', { probeSetId: f.probeSetId, path: out.path })).id).toBe(imp.id);
    const back = await call(f.backend, 'split.export', { splitId: imp.id, path: join(f.dir, 'back.csv') });
    expect(readFileSync(back.path, 'utf8')).toBe(readFileSync(out.path, 'utf8'));
    // Index lists (positions in rel_path order) give the same split.
    const indices = { train: [] as number[], val: [] as number[], test: [] as number[] };
    for (const [i, , s] of exported) indices[s as 'train' | 'val' | 'test'].push(Number(i));
    const byIdx = await call(f.backend, 'split.import', { probeSetId: f.probeSetId, indices });
    expect(byIdx).toMatchObject({ id: imp.id, created: false });

    // LE on the imported copy = LE on the seeded split, number for number.
    const a = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2, 3], seed: 0 });
    const b = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2, 3], splitId: imp.id });
    expect(b.run.splitId).toBe(imp.id);
    expect(b.run.id).not.toBe(a.run.id);
    const ra = await call(f.backend, 'explain.results', { runId: a.run.id });
    const rb = await call(f.backend, 'explain.results', { runId: b.run.id });
    expect(rb.rows.map((r) => [r.neuron, r.text, r.valCorrelation, r.testCorrelation, r.bestConcept, r.top5])).toEqual(
      ra.rows.map((r) => [r.neuron, r.text, r.valCorrelation, r.testCorrelation, r.bestConcept, r.top5]),
    );

    // A planted assignment (per class folder: 1st image train, 2nd val, 3rd test, by path) comes back unchanged.
    const byFolder = new Map<string, string[]>();
    for (const p of paths) byFolder.set(p.slice(0, p.lastIndexOf('/')), [...(byFolder.get(p.slice(0, p.lastIndexOf('/'))) ?? []), p]);
    const planted = new Map<string, string>();
    for (const list of byFolder.values()) list.forEach((p, i) => planted.set(p, ['train', 'val', 'test'][i % 3]));
    // Shuffled rows, Windows separators, upper-case names, extra columns: all accepted.
    const lines = [...planted].reverse().map(([p, s]) => `x,${p.replace(/\//g, '\\')},${s.toUpperCase()}`);
    writeFileSync(join(f.dir, 'planted.csv'), ['note,path,Split', ...lines].join('\r\n'));
    const pl = await call(f.backend, 'split.import', { probeSetId: f.probeSetId, path: join(f.dir, 'planted.csv'), name: 'other tool' });
    expect(pl).toMatchObject({ name: 'other tool', counts: { train: 10, val: 10, test: 10 } });
    const pOut = rows((await call(f.backend, 'split.export', { splitId: pl.id, path: join(f.dir, 'p.csv') })).path);
    expect(new Map(pOut.map((r) => [r[1], r[2]]))).toEqual(planted);
    const list = await call(f.backend, 'split.list', { probeSetId: f.probeSetId });
    expect(list.map((s) => [s.id, s.source])).toEqual([
      [pl.id, 'imported'],
      [imp.id, 'imported'],
      [seeded.id, 'seeded'],
    ]);
    // The seeded split is still the one split.ensure finds (an imported one never stands in for it).
    expect((await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 })).id).toBe(seeded.id);
  }, 120_000);

  it('clear errors: unknown paths, duplicates, missing images, bad split names, bad header, bad indices; nothing stored', async () => {
    const f = await probeProject(1); // 10 images
    const out = await call(f.backend, 'split.export', {
      splitId: (await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 })).id,
      path: join(f.dir, 's.csv'),
    });
    const good = readFileSync(out.path, 'utf8').trim().split('\n');
    const before = (await call(f.backend, 'split.list', { probeSetId: f.probeSetId })).length;
    const attempt = async (name: string, text: string) => {
      writeFileSync(join(f.dir, name), text);
      return refusal(call(f.backend, 'split.import', { probeSetId: f.probeSetId, path: join(f.dir, name) }));
    };
    const first = good[1].split(',')[1];

    const unknown = await attempt('unknown.csv', [...good, '10,Bag/nope.png,train'].join('\n'));
    expect(unknown.code).toBe('bad_input');
    expect(unknown.message).toMatch(/unknown\.csv: 1 path\(s\) are not images of this probe set: line 12: Bag\/nope\.png/);

    const dup = await attempt('dup.csv', [...good, `0,${first},test`].join('\n'));
    expect(dup.message).toContain(`listed twice: ${first} (lines 2 and 12)`);

    const missing = await attempt('missing.csv', good.slice(0, -1).join('\n'));
    const last = good[good.length - 1].split(',')[1];
    expect(missing.message).toContain(`1 of the probe set's 10 images have no row: ${last}`);

    const bad = await attempt('bad.csv', good.map((l, i) => (i === 3 ? l.replace(/,(train|val|test)$/, ',holdout') : l)).join('\n'));
    expect(bad.message).toMatch(/bad\.csv: 1 row\(s\) name no split \(use train, val or test\): line 4: "holdout"/);

    const header = await attempt('header.csv', 'file_name,fold\na.png,train\n');
    expect(header.message).toMatch(/needs a relative-path column \(rel_path or path\) and a split column/);

    const idx = await refusal(
      call(f.backend, 'split.import', { probeSetId: f.probeSetId, indices: { train: [0, 1, 2, 3, 4, 5], val: [6, 7], test: [8, 8, 12] } }),
    );
    expect(idx.message).toMatch(/out of range: test 12; the probe set has 10 images/);
    const idx2 = await refusal(
      call(f.backend, 'split.import', { probeSetId: f.probeSetId, indices: { train: [0, 1, 2, 3, 4, 5], val: [6, 7], test: [8, 8] } }),
    );
    expect(idx2.message).toMatch(/appear twice: 8 \(test and test\)/);
    const idx3 = await refusal(
      call(f.backend, 'split.import', { probeSetId: f.probeSetId, indices: { train: [0, 1, 2, 3, 4, 5], val: [6, 7], test: [8] } }),
    );
    expect(idx3.message).toMatch(/1 of the probe set's 10 images are in no list: 9 \(/);
    const both = await refusal(call(f.backend, 'split.import', { probeSetId: f.probeSetId }));
    expect(both.message).toMatch(/Give either a split CSV/);
    expect((await call(f.backend, 'split.list', { probeSetId: f.probeSetId })).length).toBe(before);

    // A split too small for explaining: stored, but explain.run --splitId refuses it, saying which part.
    const small = await call(f.backend, 'split.import', {
      probeSetId: f.probeSetId,
      indices: { train: [0, 1, 2, 3, 4, 5, 6, 7], val: [8], test: [9] },
    });
    const setId = await extract(f, CNN, CNN_POOLED);
    const e = await refusal(call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0], splitId: small.id }));
    expect(e.message).toMatch(/too few images in val, test \(train\/val\/test: 8\/1\/1\)/);
    const nf = await refusal(call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0], splitId: 999 }));
    expect(nf.code).toBe('not_found');
  }, 120_000);
});
