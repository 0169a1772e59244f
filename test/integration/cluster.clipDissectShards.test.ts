import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CLASS_NAMES } from '../helpers/fashionMnist';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// clipDissect.run --shard i/n + project.merge (docs/cluster.md) on the fixture CNN's pooled layer (64 neurons) with the
// fixture image-text encoder A: each shard stores log P(t | B_j) of its neurons, the merge labels all 64 together
// (soft-WPMI's log P(t) is over every neuron scored), so explanations, label scores and neuron rows equal the single
// run's bit for bit (stored text / REAL compared). The cos variant's label is per neuron: its shards write labels, the
// merge copies them, equal to the single run's too.

type Db = Database.Database;

const CONCEPTS = [
  ...CLASS_NAMES.map((c) => c.replace(/_/g, ' ').toLowerCase()),
  ...'shoe clothing top bottom sleeve collar heel strap button zipper pocket pattern stripe dark light white black leather cotton'.split(
    ' ',
  ),
];

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function results(db: Db, explainRunId: number) {
  const exps = db
    .prepare('SELECT id, neuron, method, terms_json, bias FROM explanations WHERE explain_run_id = ? ORDER BY id')
    .all(explainRunId) as { id: number }[];
  const scores = db.prepare('SELECT simulator, metric, split, value, details_json FROM scores WHERE explanation_id = ? ORDER BY id');
  const neurons = db
    .prepare('SELECT neuron, dead, details_json FROM explain_neurons WHERE explain_run_id = ? ORDER BY neuron')
    .all(explainRunId);
  const run = db.prepare('SELECT method, key, params_json, neurons_json, complete FROM explain_runs WHERE id = ?').get(explainRunId);
  return { run, neurons, exps: exps.map(({ id, ...e }) => ({ ...e, scores: scores.all(id) })) };
}

describe('sharded clipDissect.run, merged', () => {
  it('3 shards + merge label all neurons together: equal to the single run bit for bit; other parameters are refused', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, CNN, CNN_POOLED);
    const encoderId = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    const words = join(f.dir, 'concepts.txt');
    await writeFile(words, CONCEPTS.join('\n'));
    const conceptSetId = (await call(f.backend, 'conceptSet.import', { path: words })).set.id;
    await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 });
    const input = { activationSetId: setId, encoderId, conceptSetId };
    // cluster.submit stores what the tasks need before they start (they only read the project): the image and concept
    // embeddings under the encoder.
    const cached = () => f.backend.state.requireProject().db.prepare('SELECT count(*) AS n FROM embeddings').get();
    expect(cached()).toEqual({ n: 0 });
    await call(f.backend, 'cluster.submit', {
      command: 'clipDissect.run',
      input,
      shards: 3,
      shardDir: join(f.dir, 'submit'),
      dryRun: true,
    });
    expect(cached()).toEqual({ n: 200 + CONCEPTS.length });
    // A concept set whose texts are not embedded (for a refusal below).
    await writeFile(join(f.dir, 'other.txt'), 'zebra\nguitar\n');
    const other = (await call(f.backend, 'conceptSet.import', { path: join(f.dir, 'other.txt') })).set.id;
    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);

    await call(f.backend, 'project.open', { path: single });
    const whole = await call(f.backend, 'clipDissect.run', input);
    expect(whole.run).toMatchObject({ neuronsTotal: 64, neuronsDone: 64, status: 'done' });
    const cosIn = { ...input, variant: 'cos' as const };
    const wholeCos = await call(f.backend, 'clipDissect.run', cosIn);

    // The shards run as the array tasks do: on the project opened read-only; its file is unchanged by them.
    const before = sha(sharded);
    await call(f.backend, 'project.open', { path: sharded, readOnly: true });
    const path = (i: number, tag = '') => join(f.dir, `clip${tag}-${i}of3.nwbshard`);
    const got = [];
    for (let i = 1; i <= 3; i++) {
      const r = await call(f.backend, 'clipDissect.run', { ...input, shard: { index: i, count: 3, path: path(i) } });
      got.push([r.shard!.from, r.shard!.to, r.run.neuronsDone]);
    }
    expect(got).toEqual([
      [0, 21, 21],
      [21, 42, 21],
      [42, 64, 22],
    ]);
    // Another variant in one shard (refused by the merge below).
    await call(f.backend, 'clipDissect.run', { ...input, variant: 'wpmi', shard: { index: 2, count: 3, path: path(2, 'wpmi') } });
    // A shard never embeds (a write into the project's cache): concepts without cached embeddings are refused.
    await expect(
      call(f.backend, 'clipDissect.run', { ...input, conceptSetId: other, shard: { index: 1, count: 3, path: path(1, 'other') } }),
    ).rejects.toThrow(/2 concept text embeddings under encoder \w+ are not cached in the project/);
    // cos in 3 shards, and its shard 2 over an explicit list of the same 64 neurons (another job: refused below).
    for (let i = 1; i <= 3; i++)
      await call(f.backend, 'clipDissect.run', { ...cosIn, shard: { index: i, count: 3, path: path(i, 'cos') } });
    const listed = { ...cosIn, neurons: Array.from({ length: 64 }, (_, j) => j) };
    await call(f.backend, 'clipDissect.run', { ...listed, shard: { index: 2, count: 3, path: path(2, 'coslist') } });
    await call(f.backend, 'project.close', {});
    expect(sha(sharded)).toBe(before);

    await call(f.backend, 'project.open', { path: sharded });
    const project = f.backend.state.requireProject();
    const runs = () => project.db.prepare('SELECT count(*) AS n FROM explain_runs').get();
    expect(runs()).toEqual({ n: 0 });
    await expect(call(f.backend, 'project.merge', { shards: [path(1), path(2, 'wpmi'), path(3)] })).rejects.toThrow(
      /clipwpmi-2of3\.nwbshard: params\.key\.variant is wpmi, but clip-1of3\.nwbshard has soft_wpmi/,
    );
    expect(runs()).toEqual({ n: 0 });

    const merged = await call(f.backend, 'project.merge', { shards: [path(3), path(1), path(2)] });
    expect(merged).toMatchObject({ kind: 'clipDissect.run', shards: 3, activationSetId: setId });
    expect(merged.explainRunId).toBe(whole.run.id);
    const a = new Database(single, { readonly: true });
    const want = results(a, whole.run.id);
    const have = results(project.db, merged.explainRunId!);
    a.close();
    expect(want.exps).toHaveLength(64);
    expect(want.exps.filter((e) => e.scores.length).length).toBeGreaterThan(0); // labels of the probe set are scored
    expect(have).toEqual(want);
    // The single call now reuses the merged run.
    expect(await call(f.backend, 'clipDissect.run', input)).toMatchObject({ reused: true, run: { id: merged.explainRunId } });

    await expect(call(f.backend, 'project.merge', { shards: [path(1, 'cos'), path(2, 'coslist'), path(3, 'cos')] })).rejects.toThrow(
      /clipcoslist-2of3\.nwbshard: params\.key\.neurons is \[0,1,2,.*\], but clipcos-1of3\.nwbshard has all/,
    );
    const mergedCos = await call(f.backend, 'project.merge', { shards: [path(2, 'cos'), path(3, 'cos'), path(1, 'cos')] });
    expect(mergedCos).toMatchObject({ kind: 'clipDissect.run', shards: 3, explainRunId: wholeCos.run.id });
    const b = new Database(single, { readonly: true });
    const wantCos = results(b, wholeCos.run.id);
    b.close();
    expect(wantCos.exps).toHaveLength(64);
    expect(results(project.db, mergedCos.explainRunId!)).toEqual(wantCos);
    expect(await call(f.backend, 'clipDissect.run', cosIn)).toMatchObject({ reused: true, run: { id: wholeCos.run.id } });
  }, 300_000);
});
