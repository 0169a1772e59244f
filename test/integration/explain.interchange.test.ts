import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pearson } from '../../src/main/core/numeric/le';
import { call } from '../helpers/backend';
import { PLANTED, extract, probeProject } from './explain.helpers';

// (3) Export -> import round trip in the LE results CSV (and JSON); bad files are refused naming the line.
// Also the read side the UI uses: results filters, the neuron page, concept search, typed-text scoring.

const HEADER = [
  'layer',
  'unit',
  'val correlation',
  ...Array.from({ length: 10 }, (_, i) => [`weight${i}`, `concept${i}`]).flat(),
  'bias',
  'sim correlation',
];

describe('explanation interchange and reads', () => {
  it('round-trips CSV and JSON, refuses bad files, serves the neuron page', async () => {
    const f = await probeProject(50);
    const setId = await extract(f, PLANTED, 'planted');
    const { run } = await call(f.backend, 'explain.run', { activationSetId: setId });
    const original = await call(f.backend, 'explain.results', { runId: run.id });

    const csvPath = join(f.dir, 'le.csv');
    const out = await call(f.backend, 'explain.export', { runId: run.id, format: 'csv', path: csvPath });
    expect(out.rows).toBe(6);
    const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(HEADER.join(','));
    expect(lines).toHaveLength(7);
    const first = lines[1].split(',');
    expect(first).toHaveLength(HEADER.length);
    expect(first.slice(0, 2)).toEqual(['planted', '0']);
    expect(first.slice(5, 7)).toEqual(['0', '0']); // neuron 0 has one concept: the second slot is empty

    for (const [format, path] of [
      ['csv', csvPath],
      ['json', join(f.dir, 'le.json')],
    ] as const) {
      if (format === 'json') await call(f.backend, 'explain.export', { runId: run.id, format, path });
      const imp = await call(f.backend, 'explain.import', { activationSetId: setId, path });
      expect(imp).toMatchObject({
        rows: 6,
        scored: true,
        run: { method: 'imported', status: 'done', neuronsDone: 6, splitId: run.splitId },
      });
      const back = await call(f.backend, 'explain.results', { runId: imp.run.id });
      back.rows.forEach((r, i) => {
        const o = original.rows[i];
        expect({ neuron: r.neuron, terms: r.terms, bias: r.bias, text: r.text }).toEqual({
          neuron: o.neuron,
          terms: o.terms,
          bias: o.bias,
          text: o.text,
        });
        // Re-scored here under the label simulator on the same split: the same correlations.
        expect(r.testCorrelation).toBeCloseTo(o.testCorrelation!, 7);
        expect(r.valCorrelation).toBeCloseTo(o.valCorrelation!, 7); // LE scored val in float32 standardised space
      });
    }

    // Bad files: a clear bad_input naming the file and the line.
    const bad = (name: string, edit: (ls: string[]) => string[]) => {
      const p = join(f.dir, name);
      writeFileSync(p, `${edit([...lines]).join('\r\n')}\r\n`);
      return call(f.backend, 'explain.import', { activationSetId: setId, path: p });
    };
    await expect(bad('weight.csv', (ls) => ((ls[3] = ls[3].replace(/^([^,]*,[^,]*,[^,]*,)[^,]*/, '$1abc')), ls))).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/weight\.csv, line 4: column "weight0" must be a number, found "abc"/),
    });
    await expect(bad('fields.csv', (ls) => ((ls[2] = `${ls[2]},extra`), ls))).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/fields\.csv, line 3: expected 25 fields like the header, found 26/),
    });
    await expect(bad('unit.csv', (ls) => ((ls[5] = ls[5].replace(/^planted,4,/, 'planted,99,')), ls))).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/unit\.csv, line 6: unit 99 is out of range/),
    });
    await expect(bad('dup.csv', (ls) => ((ls[6] = ls[6].replace(/^planted,5,/, 'planted,1,')), ls))).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/dup\.csv, line 7: unit 1 appears again \(first at line 3\)/),
    });
    await expect(bad('header.csv', (ls) => ((ls[0] = ls[0].replace('bias', 'offset')), ls))).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/header\.csv, line 1: the header has no "bias" column/),
    });

    // Results table reads.
    const sneaker = await call(f.backend, 'explain.results', { runId: run.id, concept: 'sneak' });
    expect(sneaker.rows.map((r) => r.neuron)).toEqual([2]);
    expect((await call(f.backend, 'explain.results', { runId: run.id, search: '3' })).rows.map((r) => r.neuron)).toEqual([3]);
    const sorted = await call(f.backend, 'explain.results', { runId: run.id, sort: { by: 'testCorrelation', dir: 'asc' } });
    const tc = sorted.rows.map((r) => r.testCorrelation!);
    expect(tc).toEqual([...tc].sort((x, y) => x - y));
    const foot = await call(f.backend, 'explain.searchConcept', { runId: run.id, text: 'FOOT' });
    expect(new Set(foot.map((x) => x.neuron))).toEqual(new Set([2, 4]));

    // The neuron page.
    const page = await call(f.backend, 'explain.neuron', { runId: run.id, neuron: 2 });
    expect(page.explanations.map((e) => e.method)).toEqual(['le_label', 'best_concept', 'top5']);
    const le = page.explanations[0];
    expect(le.scores).toEqual(
      expect.arrayContaining([expect.objectContaining({ simulator: 'label', metric: 'correlation', split: 'test' })]),
    );
    expect(page.scatter!.testImages).toBe(100);
    expect(page.scatter!.simulated).toHaveLength(100);
    expect(pearson(page.scatter!.simulated, page.scatter!.actual)).toBeCloseTo(original.rows[2].testCorrelation!, 6);
    expect(page.range.edges).toHaveLength(9);
    expect(page.range.buckets.reduce((a, b) => a + b.images, 0)).toBe(500);
    const classCols = page.range.labels.map((l, j) => (l.kind === 'class' ? j : -1)).filter((j) => j >= 0);
    for (const b of page.range.buckets.filter((x) => x.images > 0)) expect(classCols.reduce((a, j) => a + b.share[j], 0)).toBeCloseTo(1, 9);
    const top = page.examples.top.map((e) => e.activation);
    expect(top).toHaveLength(12);
    expect(top).toEqual([...top].sort((x, y) => y - x));
    expect(page.examples.bands).toHaveLength(8);
    expect(page.examples.bands[0].lo).toBeGreaterThan(page.examples.bands[7].lo);
    expect(page.examples.random).toHaveLength(12);
    expect(page.examples.top[0].relPath).toMatch(/^footwear\/(Sandal|Ankle_boot)\//);
    expect(page.histogram.counts.reduce((a, b) => a + b, 0)).toBe(500);
    // Same request, same page (deterministic samples).
    expect(await call(f.backend, 'explain.neuron', { runId: run.id, neuron: 2 })).toEqual(page);

    // Typed single-text explanations under the label simulator.
    const t = await call(f.backend, 'explain.scoreText', { runId: run.id, neuron: 0, text: 'trouser' });
    expect(t.concept).toBe('Trouser');
    expect(t.testCorrelation).toBeGreaterThan(0.95);
    await expect(call(f.backend, 'explain.scoreText', { runId: run.id, neuron: 0, text: 'stripes' })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/not a label/),
    });
  }, 120_000);
});
