import Database from 'better-sqlite3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { tempDir } from '../helpers/tempDir';
import { dissectProject, fixtureDnd, type DissectProject } from './dissect.helpers';

// labels.import: other tools' label files, as those tools write them, become explain runs of their method on the fixture
// CNN's logits layer (planted truth: neuron k is the logit of class k, so 'Sandal' on neuron 5 is right and scores well
// under the label simulator, 'Bag' on neuron 5 is wrong and scores worse). The files are written here in each tool's
// layout: NetDissect-Lite's tally.csv (DictWriter: CRLF, units from 1, rows by score), MILAN's descriptions (csv.writer:
// CRLF), CLIP-Dissect's descriptions.csv, DnD's final_results.csv; with header variants, BOMs and quoted commas.

let p: DissectProject;
let dir: string;
beforeAll(async () => {
  dir = await tempDir('labels-import');
  p = await dissectProject(dir, { calibrate: false });
}, 300_000);

const write = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};
const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const labelsOf = async (runId: number) =>
  new Map(
    (await call(p.backend, 'explain.results', { runId, sort: { by: 'neuron', dir: 'asc' } })).rows.map((r) => [
      r.neuron,
      r.terms.map((t) => t.concept).join(' + '),
    ]),
  );
const neuronPage = (runId: number, neuron: number) => call(p.backend, 'explain.neuron', { runId, neuron });
const labelScore = (e: { scores: Array<{ simulator: string; split: string; value: number }> } | undefined) =>
  e?.scores.find((s) => s.simulator === 'label' && s.split === 'test')?.value;
/** The details the neuron's explain_neurons row keeps (what the neuron page's detail panel reads). */
function details(runId: number, neuron: number): Record<string, unknown> {
  const ro = new Database(p.projectPath, { readonly: true, fileMustExist: true });
  try {
    const row = ro.prepare('SELECT details_json FROM explain_neurons WHERE explain_run_id = ? AND neuron = ?').get(runId, neuron) as {
      details_json: string;
    };
    return JSON.parse(row.details_json) as Record<string, unknown>;
  } finally {
    ro.close();
  }
}

describe('labels.import', () => {
  it('imports a NetDissect tally.csv: units from 1 become neurons from 0; category and IoU kept; probe labels scored', async () => {
    const cats = ['object', 'scene'];
    const perCat = cats.flatMap((c) => ['label', 'truth', 'activation', 'intersect', 'iou'].map((f) => `${c}-${f}`));
    const file = await write(
      'tally.csv',
      crlf([
        ['unit', 'category', 'label', 'score', ...perCat].join(','),
        // unit 6 = neuron 5 (Sandal), unit 9 = neuron 8 (Bag), unit 4 = neuron 3 with a label that is no probe label.
        '6,object,Sandal,0.2531,Sandal,600,480,320,0.2531,street-s,90,480,30,0.05',
        '9,object,Bag,0.1904,Bag,600,500,300,0.1904,street-s,90,500,20,0.03',
        '4,scene,"dress shop, indoor",0.0712,grass,700,300,50,0.0512,"dress shop, indoor",80,300,40,0.0712',
      ]),
    );
    const res = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: file });
    expect(res).toMatchObject({ format: 'netdissect', rows: 3, scored: 2, warnings: [] });
    expect(res.run).toMatchObject({ method: 'netdissect', status: 'done', neuronsTotal: 3 });
    expect(await labelsOf(res.run.id)).toEqual(
      new Map([
        [3, 'dress shop, indoor'],
        [5, 'Sandal'],
        [8, 'Bag'],
      ]),
    );
    expect(details(res.run.id, 5)).toMatchObject({ category: 'object', score: 0.2531, imported: { path: file, line: 2 } });
    expect(details(res.run.id, 3)).toMatchObject({ category: 'scene', score: 0.0712 });
    const sandal = (await neuronPage(res.run.id, 5)).explanations.find((e) => e.method === 'netdissect');
    expect(labelScore(sandal)).toBeGreaterThan(0.5);
    // 'dress shop, indoor' is no probe label: kept, unscored by the label simulator (an image-text simulator can).
    expect(labelScore((await neuronPage(res.run.id, 3)).explanations[0])).toBeUndefined();

    // The same file again: the same run.
    const again = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: file });
    expect(again.run.id).toBe(res.run.id);
    expect(again.scored).toBe(2);
  });

  it('imports MILAN descriptions with quoted commas, header variants and a layer choice', async () => {
    const file = await write(
      'milan.csv',
      [
        ' Layer , Unit ,Description',
        'logits,5,"sandals, open shoes"',
        'logits,8,Bag',
        'logits,0,"the ""classic"" t-shirt"',
        '/layer3/relu_1/Relu_output_0,0,stripes',
        '',
      ].join('\n'),
    );
    const both = await refusal(call(p.backend, 'labels.import', { activationSetId: p.logits, path: file }));
    expect(both.message).toMatch(/holds several layers \(logits, \/layer3\/relu_1\/Relu_output_0\)/);
    const res = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: file, layer: 'logits' });
    expect(res).toMatchObject({ format: 'milan', rows: 3, scored: 1 });
    expect(res.run.method).toBe('milan');
    expect(await labelsOf(res.run.id)).toEqual(
      new Map([
        [0, 'the "classic" t-shirt'],
        [5, 'sandals, open shoes'],
        [8, 'Bag'],
      ]),
    );
    expect(labelScore((await neuronPage(res.run.id, 8)).explanations.find((e) => e.method === 'milan'))).toBeGreaterThan(0.5);
  });

  it('imports a CLIP-Dissect descriptions.csv with a BOM and CRLF; similarity kept; a wrong label scores worse', async () => {
    const file = await write(
      'descriptions.csv',
      `\uFEFF${crlf(['layer,unit,description,similarity', 'logits,5,Sandal,0.8125', 'logits,6,Bag,0.5'])}`,
    );
    const res = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: file });
    expect(res).toMatchObject({ format: 'clip_dissect', rows: 2, scored: 2 });
    expect(res.run.method).toBe('clip_dissect');
    expect(res.run.params.imported).toMatchObject({ path: file, format: 'clip_dissect' });
    expect((res.run.params.imported as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(details(res.run.id, 5)).toMatchObject({ similarity: 0.8125 });
    // Neuron 6 is Shirt: 'Bag' is a probe label, but the wrong one.
    const right = labelScore((await neuronPage(res.run.id, 5)).explanations[0])!;
    const wrong = labelScore((await neuronPage(res.run.id, 6)).explanations[0])!;
    expect(right).toBeGreaterThan(0.5);
    expect(wrong).toBeLessThan(right);
  });

  it('imports a DnD final_results.csv as dnd.run stores it; dnd.chain says it was imported', async () => {
    const file = await write(
      'final_results.csv',
      crlf(['Neuron_ID,label1,label2,label3', '5,Sandal,footwear,"open shoe, with straps"', '8,Bag,,', '9,Ankle_boot,footwear,']),
    );
    const res = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: file });
    // Scored: neuron 5's dnd and dnd_label2, neuron 8's dnd, neuron 9's dnd, dnd_label2 and dnd_labels (all probe labels).
    expect(res).toMatchObject({ format: 'dnd', rows: 3, scored: 6 });
    const page = await neuronPage(res.run.id, 5);
    const byMethod = new Map(page.explanations.map((e) => [e.method, e.terms.map((t) => t.concept)]));
    expect(byMethod).toEqual(
      new Map([
        ['dnd', ['Sandal']],
        ['dnd_label2', ['footwear']],
        ['dnd_label3', ['open shoe, with straps']],
        ['dnd_labels', ['Sandal', 'footwear', 'open shoe, with straps']],
      ]),
    );
    expect(page.explanations.every((e) => e.terms.every((t) => t.weight === 1))).toBe(true);
    expect(labelScore(page.explanations.find((e) => e.method === 'dnd'))).toBeGreaterThan(0.5);
    expect((await neuronPage(res.run.id, 8)).explanations.map((e) => e.method)).toEqual(['dnd']);
    const chain = await call(p.backend, 'dnd.chain', { runId: res.run.id, neuron: 5 });
    expect(chain).toMatchObject({ status: 'done', note: `imported from ${file}: no chain`, captioned: [], selection: [] });
    expect(chain.labels.map((l) => l.concept)).toEqual(['Sandal', 'footwear', 'open shoe, with straps']);
  });

  it('refuses bad files, naming the file, the line and the value', async () => {
    const refused = async (name: string, text: string, extra: Record<string, unknown> = {}) => {
      const path = await write(name, text);
      const e = await refusal(call(p.backend, 'labels.import', { activationSetId: p.logits, path, ...extra }));
      expect(e.code).toBe('bad_input');
      expect(e.message).toContain(path);
      return e.message;
    };
    expect(await refused('range.csv', 'layer,unit,description\nlogits,3,Dress\nlogits,10,Bag\n')).toMatch(
      /line 3: unit 10 is out of range: the layer has 10 neurons \(0\.\.9\)/,
    );
    expect(await refused('float.csv', 'layer,unit,description\nlogits,2.5,Dress\n')).toMatch(/line 2: column "unit" .* found "2\.5"/);
    expect(await refused('dup.csv', 'Neuron ID,Label 1,Label 2,Label 3\n3,Dress,,\n4,Coat,,\n3,Bag,,\n')).toMatch(
      /line 4: unit 3 appears again \(first at line 2\)/,
    );
    // NetDissect counts from 1: its unit 11 is our neuron 10, past the end; unit 0 does not exist there.
    const nd = 'unit,category,label,score';
    expect(await refused('nd-range.csv', `${nd}\n11,object,Bag,0.1\n`)).toMatch(
      /line 2: unit 11 is out of range.*NetDissect units 1\.\.10/,
    );
    expect(await refused('nd-zero.csv', `${nd}\n0,object,Bag,0.1\n`)).toMatch(
      /line 2: column "unit" must be a unit number \(1, 2, \.\.\.: NetDissect/,
    );
    expect(await refused('missing.csv', 'layer,unit,description\nlogits,1,Trouser\n', { format: 'clip_dissect' })).toMatch(
      /line 1: a clip_dissect file needs the column\(s\) "similarity"; the header has: layer, unit, description/,
    );
    expect(await refused('unknown.csv', 'neuron,concept\n1,Trouser\n')).toMatch(
      /line 1: cannot tell the format from the header \(neuron, concept\)/,
    );
    expect(await refused('empty.csv', '')).toMatch(/line 1: the file is empty/);
    expect(await refused('header-only.csv', 'layer,unit,description,similarity\r\n')).toMatch(/header but no rows/);
    expect(await refused('fields.csv', 'layer,unit,description\nlogits,1,shoes, with laces\n')).toMatch(/line 2: expected 3 fields/);

    // Another layer's file: refused, then imported with a warning when the caller says the names mean the same layer.
    const fc = await write('fc.csv', 'layer,unit,description,similarity\nfc,5,Sandal,0.7\n');
    const e = await refusal(call(p.backend, 'labels.import', { activationSetId: p.logits, path: fc }));
    expect(e.message).toMatch(/fc\.csv holds labels of layer "fc", but activation set \d+ is layer "logits".*allowLayerMismatch/);
    const ok = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: fc, allowLayerMismatch: true });
    expect(ok.warnings).toHaveLength(1);
    expect(ok.warnings[0]).toMatch(/layer "fc".*imported anyway/);
    expect(ok.run.params.imported).toMatchObject({ fileLayer: 'fc', layerMismatch: true });
  });

  it('round-trips: dissect.export of a DnD and a CLIP-Dissect run imports back to the same labels', async () => {
    const dnd = await call(p.backend, 'dnd.run', { ...fixtureDnd(p, p.logits), neurons: [5, 8], select: false });
    const dndCsv = join(dir, 'dnd-export.csv');
    await call(p.backend, 'dissect.export', { runId: dnd.run.id, format: 'labels', path: dndCsv });
    const dndBack = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: dndCsv });
    expect(dndBack.format).toBe('dnd');
    for (const k of [5, 8]) {
      const [a, b] = await Promise.all([dnd.run.id, dndBack.run.id].map((runId) => call(p.backend, 'dnd.chain', { runId, neuron: k })));
      expect(b.labels.map((l) => l.concept)).toEqual(a.labels.map((l) => l.concept));
      expect(a.labels.length).toBeGreaterThan(0);
    }
    expect(await labelsOf(dndBack.run.id)).toEqual(await labelsOf(dnd.run.id));

    const concepts = await call(p.backend, 'conceptSet.fromLabels', { probeSetId: p.probeSetId });
    const clip = await call(p.backend, 'clipDissect.run', { activationSetId: p.logits, encoderId: p.encoderA, conceptSetId: concepts.id });
    const clipCsv = join(dir, 'clip-export.csv');
    await call(p.backend, 'dissect.export', { runId: clip.run.id, format: 'descriptions', path: clipCsv });
    const clipBack = await call(p.backend, 'labels.import', { activationSetId: p.logits, path: clipCsv });
    expect(clipBack).toMatchObject({ format: 'clip_dissect', rows: 10, scored: 10 });
    expect(await labelsOf(clipBack.run.id)).toEqual(await labelsOf(clip.run.id));
    // The imported run exports to the same bytes: labels and similarities kept exactly.
    const again = join(dir, 'clip-again.csv');
    await call(p.backend, 'dissect.export', { runId: clipBack.run.id, format: 'descriptions', path: again });
    expect(await readFile(again, 'utf8')).toBe(await readFile(clipCsv, 'utf8'));
  }, 600_000);
});
