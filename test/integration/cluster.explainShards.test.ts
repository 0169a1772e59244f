import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// explain.run --shard i/n + project.merge (docs/cluster.md): 4 shards of the fixture CNN's pooled layer (64 neurons,
// label concepts of the demo-style Fashion-MNIST probe folder) merged equal the single run: every explanation's
// terms and bias and every score (value and details), compared as stored text/REAL, bit for bit.

function results(db: Database.Database, explainRunId: number) {
  const exps = db
    .prepare('SELECT id, neuron, method, terms_json, bias FROM explanations WHERE explain_run_id = ? ORDER BY neuron, method, id')
    .all(explainRunId) as { id: number; neuron: number; method: string; terms_json: string; bias: number }[];
  const scores = db.prepare(
    'SELECT simulator, metric, split, value, details_json FROM scores WHERE explanation_id = ? ORDER BY simulator, metric, split',
  );
  const neurons = db
    .prepare('SELECT neuron, dead, details_json FROM explain_neurons WHERE explain_run_id = ? ORDER BY neuron')
    .all(explainRunId);
  return { neurons, exps: exps.map(({ id, ...e }) => ({ ...e, scores: scores.all(id) })) };
}

describe('sharded explain.run and merge', () => {
  it('4 shards + merge give the single run bit for bit; shards of other parameters are refused', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, CNN, CNN_POOLED);
    await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 });
    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);
    await call(f.backend, 'project.open', { path: single });
    const input = { activationSetId: setId, blockSize: 8 };
    const whole = await call(f.backend, 'explain.run', input);
    expect(whole.run).toMatchObject({ neuronsTotal: 64, neuronsDone: 64, status: 'done' });

    await call(f.backend, 'project.open', { path: sharded });
    const path = (i: number, tag = '') => join(f.dir, `explain${tag}${i}of4.nwbshard`);
    const got = [];
    for (let i = 1; i <= 4; i++) {
      const r = await call(f.backend, 'explain.run', { ...input, shard: { index: i, count: 4, path: path(i) } });
      got.push([r.shard!.from, r.shard!.to, r.run.neuronsDone]);
    }
    expect(got).toEqual([
      [0, 16, 16],
      [16, 32, 16],
      [32, 48, 16],
      [48, 64, 16],
    ]);
    const project = f.backend.state.requireProject();
    expect(project.db.prepare('SELECT count(*) AS n FROM explain_runs').get()).toEqual({ n: 0 }); // shards wrote only shard files
    // Same shard, other lambda: refused naming the file and the parameter.
    await call(f.backend, 'explain.run', { ...input, lambda: 0.1, shard: { index: 3, count: 4, path: path(3, 'lambda') } });
    await expect(call(f.backend, 'project.merge', { shards: [path(1), path(2), path(3, 'lambda'), path(4)] })).rejects.toThrow(
      /explainlambda3of4\.nwbshard: params\.key\.lambda is 0\.1, but explain1of4\.nwbshard has 0\.050505/,
    );
    const merged = await call(f.backend, 'project.merge', { shards: [path(4), path(3), path(2), path(1)] });
    expect(merged).toMatchObject({ kind: 'explain.run', shards: 4, activationSetId: setId });
    const runs = await call(f.backend, 'explain.runs', { activationSetId: setId });
    expect(runs[0]).toMatchObject({ id: merged.explainRunId, neuronsTotal: 64, neuronsDone: 64, status: 'done' });
    expect(runs[0].means).toEqual(whole.run.means);

    const a = new Database(single, { readonly: true });
    const want = results(a, whole.run.id);
    const have = results(project.db, merged.explainRunId!);
    expect(want.exps.length).toBeGreaterThanOrEqual(64);
    expect(have).toEqual(want);
    a.close();
    // The same call without --shard now finds the merged run complete: reused, nothing recomputed.
    expect(await call(f.backend, 'explain.run', input)).toMatchObject({ reused: true, run: { id: merged.explainRunId } });
  }, 180_000);
});
