import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { dissectProject, fixtureDnd, type DissectProject } from './dissect.helpers';

// compare.layer (issue #15, the LE paper's main table on the user's model): one row per finished explain run of a
// layer and explanation method, with the test correlation per simulator and ablation Optim / Norm. Independent source:
// the answers of simulate.means and ablation.results for each run, the numbers every run's own screen shows.

let p: DissectProject;
beforeAll(async () => {
  p = await dissectProject(await tempDir('compare'));
}, 300_000);

describe('compare.layer', () => {
  it("puts LE, DnD and CLIP-Dissect side by side with exactly simulate.means' and ablation.results' numbers", async () => {
    const le = (await call(p.backend, 'explain.run', { activationSetId: p.logits })).run;
    const dnd = (await call(p.backend, 'dnd.run', { ...fixtureDnd(p, p.logits), neurons: [0, 1, 8] })).run;
    const labels = await call(p.backend, 'conceptSet.fromLabels', { probeSetId: p.probeSetId });
    const clip = (await call(p.backend, 'clipDissect.run', { activationSetId: p.logits, encoderId: p.encoderA, conceptSetId: labels.id }))
      .run;
    for (const r of [le, dnd, clip]) await call(p.backend, 'simulate.run', { explainRunId: r.id, encoderId: p.encoderB });
    const abl = await call(p.backend, 'ablation.run', { explainRunId: le.id });

    const table = await call(p.backend, 'compare.layer', { activationSetId: p.logits });
    expect(table.activationSetId).toBe(p.logits);
    // Exactly the layer's finished runs (nothing from the conv layer's set), each with its methods.
    const done = (await call(p.backend, 'explain.runs', { activationSetId: p.logits })).filter((r) => r.status === 'done');
    expect(new Set(table.rows.map((r) => r.explainRunId))).toEqual(new Set(done.map((r) => r.id)));
    expect(new Set(table.rows.map((r) => r.explainRunId))).toEqual(new Set([le.id, dnd.id, clip.id]));
    expect(table.rows.filter((r) => r.explainRunId === le.id).map((r) => r.method)).toEqual(
      expect.arrayContaining(['le_label', 'best_concept', 'top5']),
    );
    expect(table.rows.filter((r) => r.explainRunId === dnd.id).map((r) => r.method)).toContain('dnd');
    expect(table.rows.filter((r) => r.explainRunId === clip.id).map((r) => r.method)).toContain('clip_dissect');

    // Columns: the label simulator first, then encoder B by name.
    const encB = (await call(p.backend, 'encoder.list', {})).find((e) => e.id === p.encoderB)!;
    expect(table.simulators.map((s) => s.id).slice(0, 2)).toEqual(['label', encB.sha256]);
    expect(table.simulators[1]!.name).toBe(encB.name);

    // Every cell is simulate.means' number for that run, method and simulator; and every such number is a cell.
    let cells = 0;
    for (const r of [le, dnd, clip]) {
      const means = await call(p.backend, 'simulate.means', { explainRunId: r.id });
      expect(means.map((s) => s.simulator)).toContain(encB.sha256);
      for (const s of means)
        for (const [method, m] of Object.entries(s.methods)) {
          const row = table.rows.find((x) => x.explainRunId === r.id && x.method === method)!;
          expect(row.correlation[s.simulator]).toEqual(m);
          cells++;
        }
      const rows = table.rows.filter((x) => x.explainRunId === r.id);
      expect(rows.reduce((a, x) => a + Object.keys(x.correlation).length, 0)).toBe(
        means.reduce((a, s) => a + Object.keys(s.methods).length, 0),
      );
    }
    expect(cells).toBeGreaterThanOrEqual(2 * 3 + 2 + 2);
    // DnD ran on 3 neurons: n says so (the largest n over its simulators).
    expect(table.rows.find((x) => x.explainRunId === dnd.id && x.method === 'dnd')!.n).toBe(3);

    // Ablation: Optim / Norm of the LE run are ablation.results' per-method means; runs without one have none.
    const res = await call(p.backend, 'ablation.results', { ablationRunId: abl.run.id });
    expect(res.methods.length).toBeGreaterThan(0);
    for (const m of res.methods) {
      const row = table.rows.find((x) => x.explainRunId === le.id && x.method === m.method)!;
      expect(row.ablations).toEqual([
        { ablationRunId: abl.run.id, simulator: 'label', simulatorName: 'label simulator', optim: m.optim, norm: m.norm },
      ]);
    }
    expect(table.rows.filter((x) => x.explainRunId !== le.id).every((x) => x.ablations.length === 0)).toBe(true);
  }, 600_000);
});
