import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { CSV_HEADER } from '../../src/main/core/features/explanations/exportRun';
import { CNN, CNN_POOLED, PLANTED, extract, probeProject } from './explain.helpers';

// explain.agreement (two methods over a layer): on the planted model, an LE run against an imported run whose
// explanations are planted by hand: the first three neurons keep LE's terms, the last three get one other
// label each. Expected numbers are counted here from the two sets of terms.

const slots = (terms: { concept: string; weight: number }[]) =>
  Array.from({ length: 10 }, (_, i) => (terms[i] ? [String(terms[i].weight), terms[i].concept] : ['0', '0'])).flat();

describe('explain.agreement', () => {
  it('counts same top concepts, Jaccard and score differences as planted; refuses runs of two layers', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, PLANTED, 'planted');
    const { run: le } = await call(f.backend, 'explain.run', { activationSetId: setId });
    const rows = (await call(f.backend, 'explain.results', { runId: le.id, sort: { by: 'neuron', dir: 'asc' } })).rows;
    expect(rows).toHaveLength(6);

    // Planted: neurons 0-2 keep LE's terms; 3-5 get a single label that is not LE's top concept.
    const top = (ts: { concept: string; weight: number }[]) => [...ts].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))[0]?.concept;
    // A label the LE explanation does not use at all: the two concept sets are then disjoint.
    const other = (ts: { concept: string }[]) => ['Bag', 'Trouser', 'Dress', 'Coat'].find((c) => !ts.some((t) => t.concept === c))!;
    const planted = rows.map((r) => (r.neuron < 3 ? r.terms : [{ concept: other(r.terms), weight: 1 }]));
    expect(rows.slice(3).every((r, i) => top(r.terms) !== planted[3 + i][0].concept)).toBe(true);
    const csv = [CSV_HEADER, ...rows.map((r, i) => ['planted', String(r.neuron), '', ...slots(planted[i]), '0', ''])]
      .map((l) => l.join(','))
      .join('\n');
    const path = join(f.dir, 'planted.csv');
    writeFileSync(path, `${csv}\n`);
    const imp = await call(f.backend, 'explain.import', { activationSetId: setId, path });
    const back = (await call(f.backend, 'explain.results', { runId: imp.run.id, sort: { by: 'neuron', dir: 'asc' } })).rows;

    const got = await call(f.backend, 'explain.agreement', { runA: le.id, runB: imp.run.id });
    expect(got.neurons).toBe(6);
    expect(got.sameTop).toBe(3);
    expect(got.sameTopShare).toBeCloseTo(0.5, 12);
    // Jaccard: 1 for the copies; 0 for the others (disjoint sets).
    expect(got.meanJaccard).toBeCloseTo((1 + 1 + 1 + 0 + 0 + 0) / 6, 12);
    const diffs = rows.map((r, i) => r.testCorrelation! - back[i].testCorrelation!);
    expect(got.meanDiff).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / 6, 12);
    for (const [i, row] of got.rows.entries()) {
      expect(row.neuron).toBe(rows[i].neuron);
      expect(row.sameTop).toBe(rows[i].neuron < 3);
      expect(row.diff).toBeCloseTo(diffs[i], 12);
    }

    const cnnSet = await extract(f, CNN, CNN_POOLED);
    const { run: cnnRun } = await call(f.backend, 'explain.run', { activationSetId: cnnSet });
    const e = await refusal(call(f.backend, 'explain.agreement', { runA: le.id, runB: cnnRun.id }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain('Pick two runs of the same activation set');
    expect((await refusal(call(f.backend, 'explain.agreement', { runA: le.id, runB: 999 }))).code).toBe('not_found');
  }, 60_000);
});
