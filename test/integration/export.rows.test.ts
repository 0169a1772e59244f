import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/main/core/platform/files/csv';
import { readMatrix } from '../../src/main/core/platform/store/activationRepo';
import { call } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { CNN, CNN_POOLED, extract, FIX, probeProject } from './explain.helpers';

// Activation and logit exports name the image of every row (issue #17): CSV rows start with row, image_id,
// rel_path, class, labels; an NPY gets '<name>.rows.csv' next to it. The check that rows really are the named
// images: the fixture CNN (90% accurate, class order from resources/fixtures/models.json) predicts the class of
// the folder each row names; a shifted row order would agree on ~10%.

const PER_CLASS = 4;
const ORDER = (JSON.parse(readFileSync(join(FIX, 'models.json'), 'utf8')) as { models: { id: string; classes: string[] }[] }).models.find(
  (m) => m.id === 'fmnist_cnn',
)!.classes;
const HEAD = ['row', 'image_id', 'rel_path', 'class', 'labels'];

describe('export row -> image mapping', () => {
  it('CSV columns and an NPY rows sidecar name each row; the model predicts the named folder class', async () => {
    const f = await probeProject(PER_CLASS);
    const setId = await extract(f, CNN, CNN_POOLED);
    const db = f.backend.state.requireProject().db;
    const n = 10 * PER_CLASS;

    // Logits as CSV: the row columns lead; the class is the rel_path's folder; argmax agrees with it.
    const csv = await call(f.backend, 'activations.export', {
      activationSetId: setId,
      format: 'csv',
      kind: 'logits',
      path: join(f.dir, 'l.csv'),
    });
    expect(csv).toMatchObject({ rows: n, cols: 10, rowsPath: null, rowColumns: HEAD });
    const recs = parseCsv(readFileSync(csv.path, 'utf8')).map((r) => r.fields);
    expect(recs[0]).toEqual([...HEAD, ...Array.from({ length: 10 }, (_, j) => `logit${j}`)]);
    const body = recs.slice(1);
    expect(body).toHaveLength(n);
    const logits = readMatrix(db, setId, 'logits');
    let agree = 0;
    body.forEach((r, i) => {
      expect(Number(r[0])).toBe(i);
      expect(r[3]).toBe(r[2].split('/').slice(-2)[0]); // class = the folder the image sits in
      expect(r[4].split(';')).toContain(r[2].split('/').slice(0, -1).join('/')); // its labels: the folder path (and superclass)
      const z = r.slice(5).map(Number);
      expect(z).toEqual(Array.from(logits.subarray(i * 10, i * 10 + 10)));
      if (ORDER[z.indexOf(Math.max(...z))] === r[3]) agree++;
    });
    expect(agree / n).toBeGreaterThan(0.75);
    // Image ids are the project's, one per row.
    expect(new Set(body.map((r) => r[1])).size).toBe(n);

    // Activations as NPY: '<name>.rows.csv' next to it, the same rows.
    const npy = await call(f.backend, 'activations.export', { activationSetId: setId, format: 'npy', path: join(f.dir, 'acts.npy') });
    expect(npy.rowsPath).toBe(join(f.dir, 'acts.rows.csv'));
    const side = parseCsv(readFileSync(npy.rowsPath!, 'utf8')).map((r) => r.fields);
    expect(side[0]).toEqual(HEAD);
    expect(side.slice(1)).toEqual(body.map((r) => r.slice(0, 5)));

    // An existing sidecar is not replaced without --overwrite, and no NPY is left behind.
    writeFileSync(join(f.dir, 'b.rows.csv'), 'mine');
    const e = await refusal(call(f.backend, 'activations.export', { activationSetId: setId, format: 'npy', path: join(f.dir, 'b.npy') }));
    expect(e.code).toBe('file_exists');
    expect(e.message).toContain('b.rows.csv');
    expect(existsSync(join(f.dir, 'b.npy'))).toBe(false);
    expect(readFileSync(join(f.dir, 'b.rows.csv'), 'utf8')).toBe('mine');
    const again = await call(f.backend, 'activations.export', {
      activationSetId: setId,
      format: 'npy',
      path: join(f.dir, 'b.npy'),
      overwrite: true,
    });
    expect(readFileSync(again.rowsPath!, 'utf8')).toBe(readFileSync(npy.rowsPath!, 'utf8'));
  }, 60_000);
});
