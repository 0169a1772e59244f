import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { dissectProject, fixtureDnd } from './dissect.helpers';
import { dndRunRows as results } from './cluster.results.helpers';

// dnd.run --shard i/n + project.merge (docs/cluster.md) on the fixture CNN's logits with the fixture captioner, language
// model, image generator and encoder A: each shard runs Describe-and-Dissect on its neurons with its own model-call
// caches (it only reads the project); the merge copies labels, scores and chains and folds the caches in, renumbering
// the generated images the chains name. Compared with the single run: every stored row, and each chain image's PNG.

type Db = Database.Database;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('sharded dnd.run, merged', () => {
  it('2 shards + merge equal the single run (labels, scores, chains, generated images); other seeds are refused', async () => {
    const dir = await tempDir('dnd-shards');
    const p = await dissectProject(dir, { calibrate: false });
    const input = { ...fixtureDnd(p, p.logits), neurons: [1, 3, 5, 7] };
    // cluster.submit stores what the tasks read (the split); its script is only written (dry run).
    await call(p.backend, 'cluster.submit', { command: 'dnd.run', input, shards: 2, shardDir: join(dir, 'submit'), dryRun: true });
    const sharded = join(dir, 'sharded.nwb');
    await call(p.backend, 'project.close', {});
    await copyFile(p.projectPath, sharded);

    await call(p.backend, 'project.open', { path: p.projectPath });
    const whole = await call(p.backend, 'dnd.run', input);
    expect(whole.run).toMatchObject({ neuronsTotal: 4, neuronsDone: 4, status: 'done' });

    // The shards run as the array tasks do: on the project opened read-only; its file is unchanged by them.
    const before = sha(sharded);
    await call(p.backend, 'project.open', { path: sharded, readOnly: true });
    const path = (i: number, tag = '') => join(dir, `dnd${tag}-${i}of2.nwbshard`);
    const got = [];
    for (let i = 1; i <= 2; i++) {
      const r = await call(p.backend, 'dnd.run', { ...input, shard: { index: i, count: 2, path: path(i) } });
      got.push([r.shard!.from, r.shard!.to, r.run.neuronsDone]);
    }
    expect(got).toEqual([
      [0, 2, 2],
      [2, 4, 2],
    ]);
    // A shard with another seed (refused by the merge below).
    await call(p.backend, 'dnd.run', { ...input, seed: 1, shard: { index: 2, count: 2, path: path(2, 'seed1') } });
    await call(p.backend, 'project.close', {});
    expect(sha(sharded)).toBe(before);

    await call(p.backend, 'project.open', { path: sharded });
    const project = p.backend.state.requireProject();
    // Nothing of the run in the project, not even the model-call caches.
    const rows = project.db.prepare('SELECT (SELECT count(*) FROM explain_runs) + (SELECT count(*) FROM gen_images) AS n');
    expect(rows.get()).toEqual({ n: 0 });
    await expect(call(p.backend, 'project.merge', { shards: [path(1), path(2, 'seed1')] })).rejects.toThrow(
      /dndseed1-2of2\.nwbshard: params\.key\.seed is 1, but dnd-1of2\.nwbshard has 0/,
    );

    const merged = await call(p.backend, 'project.merge', { shards: [path(2), path(1)] });
    expect(merged).toMatchObject({ kind: 'dnd.run', shards: 2, activationSetId: p.logits, explainRunId: whole.run.id });
    const a = new Database(p.projectPath, { readonly: true });
    const want = results(a, whole.run.id);
    const have = results(project.db, merged.explainRunId!);
    const count = (db: Db) => db.prepare('SELECT count(*) AS n FROM gen_images').get();
    expect(count(project.db)).toEqual(count(a));
    a.close();
    expect(want.neurons.flatMap((n) => n.images ?? []).length).toBeGreaterThan(0);
    expect(have).toEqual(want);
    // The chain page reads the merged run; the single call now reuses it.
    const chain = await call(p.backend, 'dnd.chain', { runId: merged.explainRunId!, neuron: 5 });
    expect(chain.labels.length).toBeGreaterThan(0);
    expect(await call(p.backend, 'dnd.run', input)).toMatchObject({ reused: true, run: { id: merged.explainRunId } });
  }, 600_000);
});
