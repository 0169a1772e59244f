import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// ablation.run / topimpact.run --shard i/n + project.merge (docs/cluster.md) on the fixture CNN's pooled layer (64
// neurons, closed form through its Gemm head): the merged runs equal the single runs row for row, compared as the
// stored text / REAL values (ablation_neurons details, every ablation score's value and details, the run rows).
// Under the label simulator, and under an image-text encoder simulator whose embeddings cluster.submit stores first.

type Db = Database.Database;

/** The run row; of its params (the call's input and what it resolved) the block size aside, which the shards chose freely. */
function runRow(db: Db, id: number) {
  const r = db
    .prepare('SELECT kind, activation_set_id, explain_run_id, key, params_json, neurons_json, complete FROM ablation_runs WHERE id = ?')
    .get(id) as { params_json: string };
  const { blockSize: _b, ...params } = JSON.parse(r.params_json) as Record<string, unknown>;
  return { ...r, params_json: params };
}

function neuronRows(db: Db, id: number) {
  return db.prepare('SELECT neuron, details_json FROM ablation_neurons WHERE ablation_run_id = ? ORDER BY neuron').all(id);
}

/**
 * Every ablation score of run `id` without the row's own id, time and provenance row, by explanation and metric (the
 * order rows are written in follows the block size, which the shards chose differently).
 */
function scoreRows(db: Db, id: number) {
  return db
    .prepare(
      "SELECT explanation_id, simulator, metric, split, value, details_json FROM scores WHERE json_extract(details_json, '$.ablationRunId') = ? ORDER BY explanation_id, metric",
    )
    .all(id);
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('sharded ablation.run and topimpact.run, merged', () => {
  it('3 ablation shards and 4 Top Impact shards + merge give the single runs bit for bit; other parameters are refused', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, CNN, CNN_POOLED);
    await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 0 });
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, blockSize: 16 });
    // cluster.submit stores what the tasks need before they start (they only read the project): the fitted temperature.
    const db0 = f.backend.state.requireProject().db;
    expect(count(db0, 'temperature_fits')).toBe(0);
    const submit = (command: 'ablation.run' | 'topimpact.run', input: Record<string, unknown>) =>
      call(f.backend, 'cluster.submit', { command, input, shards: 4, shardDir: join(f.dir, 'submit'), dryRun: true });
    await submit('ablation.run', { explainRunId: er.run.id });
    await submit('topimpact.run', { activationSetId: setId });
    expect(count(db0, 'temperature_fits')).toBe(1); // the same split and mapping: one fit for both
    await call(f.backend, 'split.ensure', { probeSetId: f.probeSetId, seed: 1 }); // a split without a temperature fit
    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);

    await call(f.backend, 'project.open', { path: single });
    const abIn = { explainRunId: er.run.id, blockSize: 8 };
    const tiIn = { activationSetId: setId, blockSize: 8 };
    const ti = await call(f.backend, 'topimpact.run', tiIn);
    const ab = await call(f.backend, 'ablation.run', abIn);
    expect(ab.run).toMatchObject({ neuronsTotal: 64, neuronsDone: 64, status: 'done' });
    expect(ti.run).toMatchObject({ neuronsTotal: 64, neuronsDone: 64, status: 'done' });
    const abResults = await call(f.backend, 'ablation.results', { ablationRunId: ab.run.id, limit: 5000 });
    const tiResults = await call(f.backend, 'topimpact.results', { topImpactRunId: ti.run.id });

    // The shards run as the array tasks do: on the project opened read-only; its file is unchanged by them.
    const before = sha(sharded);
    await call(f.backend, 'project.open', { path: sharded, readOnly: true });
    const abPath = (i: number, n: number, tag = '') => join(f.dir, `ablation${tag}-${i}of${n}.nwbshard`);
    const tiPath = (i: number, n: number, tag = '') => join(f.dir, `topimpact${tag}-${i}of${n}.nwbshard`);
    const ranges = [];
    for (let i = 1; i <= 3; i++) {
      // Another block size per shard: it does not change results, so it is not part of the job's identity.
      const r = await call(f.backend, 'ablation.run', { ...abIn, blockSize: 4 + i, shard: { index: i, count: 3, path: abPath(i, 3) } });
      ranges.push([r.shard!.from, r.shard!.to, r.run.neuronsDone]);
    }
    for (let i = 1; i <= 4; i++) {
      const r = await call(f.backend, 'topimpact.run', { ...tiIn, shard: { index: i, count: 4, path: tiPath(i, 4) } });
      ranges.push([r.shard!.from, r.shard!.to, r.run.neuronsDone]);
    }
    // floor((i-1)64/n) .. floor(i*64/n)
    expect(ranges).toEqual([
      [0, 21, 21],
      [21, 42, 21],
      [42, 64, 22],
      [0, 16, 16],
      [16, 32, 16],
      [32, 48, 16],
      [48, 64, 16],
    ]);
    // Shards of the same job with other parameters (refused by the merge below).
    await call(f.backend, 'ablation.run', { ...abIn, modes: ['norm'], shard: { index: 2, count: 3, path: abPath(2, 3, 'norm') } });
    await call(f.backend, 'topimpact.run', { ...tiIn, temperature: 2, shard: { index: 3, count: 4, path: tiPath(3, 4, 't2') } });
    // A shard never fits the temperature (a write): without a stored fit it says what to run first.
    await expect(
      call(f.backend, 'topimpact.run', { ...tiIn, seed: 1, shard: { index: 1, count: 4, path: tiPath(1, 4, 'seed1') } }),
    ).rejects.toThrow(/no fitted temperature .* run ablation\.temperature --activationSetId \d+ --seed 1/);
    await call(f.backend, 'project.close', {});
    expect(sha(sharded)).toBe(before);

    await call(f.backend, 'project.open', { path: sharded });
    const project = f.backend.state.requireProject();
    expect(count(project.db, 'ablation_runs')).toBe(0);
    // Refused naming the shard file and the field; nothing written.
    await expect(call(f.backend, 'project.merge', { shards: [abPath(1, 3), abPath(2, 3, 'norm'), abPath(3, 3)] })).rejects.toThrow(
      /ablationnorm-2of3\.nwbshard: params\.key\.modes is \["norm"\], but ablation-1of3\.nwbshard has \["norm","optim"\]/,
    );
    await expect(
      call(f.backend, 'project.merge', { shards: [tiPath(1, 4), tiPath(2, 4), tiPath(3, 4, 't2'), tiPath(4, 4)] }),
    ).rejects.toThrow(
      /topimpactt2-3of4\.nwbshard: params\.key\.temperature is 2, but topimpact-1of4\.nwbshard has \d+\.\d+: not a shard of the same job/,
    );
    await expect(call(f.backend, 'project.merge', { shards: [tiPath(1, 4), tiPath(2, 4), tiPath(4, 4)] })).rejects.toThrow(
      /Shard 3\/4 of the job missing/,
    );
    expect(count(project.db, 'ablation_runs')).toBe(0);

    const mTi = await call(f.backend, 'project.merge', { shards: [tiPath(1, 4), tiPath(2, 4), tiPath(3, 4), tiPath(4, 4)] });
    expect(mTi).toMatchObject({ kind: 'topimpact.run', shards: 4, activationSetId: setId });
    const mAb = await call(f.backend, 'project.merge', { shards: [abPath(3, 3), abPath(1, 3), abPath(2, 3)] });
    expect(mAb).toMatchObject({ kind: 'ablation.run', shards: 3, activationSetId: setId, explainRunId: er.run.id });
    await expect(call(f.backend, 'project.merge', { shards: [tiPath(1, 4), tiPath(2, 4), tiPath(3, 4), tiPath(4, 4)] })).rejects.toThrow(
      /already has this Top Impact run/,
    );

    // Merged in the single project's order, so the run ids (which the score details name) are the same numbers; the
    // shard files' ablation run is id 1, so the merge must rewrite the ablationRunId their scores name.
    expect([mTi.ablationRunId, mAb.ablationRunId]).toEqual([1, 2]);
    expect([ti.run.id, ab.run.id]).toEqual([1, 2]);
    const a = new Database(single, { readonly: true });
    for (const id of [ab.run.id, ti.run.id]) {
      expect(runRow(project.db, id)).toEqual(runRow(a, id));
      expect(neuronRows(project.db, id)).toEqual(neuronRows(a, id));
      expect(neuronRows(project.db, id)).toHaveLength(64);
    }
    const want = scoreRows(a, ab.run.id);
    expect(want.length).toBeGreaterThan(64);
    expect(scoreRows(project.db, ab.run.id)).toEqual(want);
    a.close();
    // What a user reads: the same results (the run's job and creation time aside), and the single call reuses them.
    const strip = <T extends { run: object }>({ run: _run, ...rest }: T) => rest;
    expect(strip(await call(f.backend, 'ablation.results', { ablationRunId: ab.run.id, limit: 5000 }))).toEqual(strip(abResults));
    expect(strip(await call(f.backend, 'topimpact.results', { topImpactRunId: ti.run.id }))).toEqual(strip(tiResults));
    expect(await call(f.backend, 'ablation.run', abIn)).toMatchObject({ reused: true, run: { id: ab.run.id } });
    expect(await call(f.backend, 'topimpact.run', tiIn)).toMatchObject({ reused: true, run: { id: ti.run.id } });
  }, 300_000);

  it('ablation.run under an encoder simulator: 2 shards + merge give the single run bit for bit; embeddings are stored first', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, CNN, CNN_POOLED);
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, blockSize: 16 });
    const encB = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_clip_b') })).id;
    const encA = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    for (const encoderId of [encA, encB]) await call(f.backend, 'calibration.set', { encoderId, a: 30, b: -0.2, source: 'manual' });
    const abIn = { explainRunId: er.run.id, simulator: encB, modes: ['norm' as const], blockSize: 8 };
    // cluster.submit stores the split, the temperature fit and encoder B's embeddings of the images and of every
    // concept text of the run's explanations (what the single run would cache).
    const db0 = f.backend.state.requireProject().db;
    expect(count(db0, 'embeddings')).toBe(0);
    await call(f.backend, 'cluster.submit', {
      command: 'ablation.run',
      input: abIn,
      shards: 2,
      shardDir: join(f.dir, 'submit'),
      dryRun: true,
    });
    const texts = new Set(
      (db0.prepare('SELECT terms_json FROM explanations WHERE explain_run_id = ?').all(er.run.id) as { terms_json: string }[]).flatMap(
        (r) => (JSON.parse(r.terms_json) as { concept: string }[]).map((t) => t.concept),
      ),
    );
    expect(count(db0, 'embeddings')).toBe(200 + texts.size);
    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);
    await call(f.backend, 'project.open', { path: single });
    const ab = await call(f.backend, 'ablation.run', abIn);
    expect(ab.run).toMatchObject({ neuronsTotal: 64, neuronsDone: 64, status: 'done' });

    const before = sha(sharded);
    await call(f.backend, 'project.open', { path: sharded, readOnly: true });
    const path = (i: number, tag = '') => join(f.dir, `ablation${tag}-${i}of2.nwbshard`);
    for (let i = 1; i <= 2; i++) await call(f.backend, 'ablation.run', { ...abIn, shard: { index: i, count: 2, path: path(i) } });
    // The same shard under the label simulator (refused by the merge), and one under encoder A, whose embeddings
    // were never stored: a shard does not embed.
    await call(f.backend, 'ablation.run', { ...abIn, simulator: 'label', shard: { index: 2, count: 2, path: path(2, 'label') } });
    await expect(
      call(f.backend, 'ablation.run', { ...abIn, simulator: encA, shard: { index: 1, count: 2, path: path(1, 'a') } }),
    ).rejects.toThrow(/200 image embeddings under encoder \w+ are not cached in the project/);
    await call(f.backend, 'project.close', {});
    expect(sha(sharded)).toBe(before);

    await call(f.backend, 'project.open', { path: sharded });
    const project = f.backend.state.requireProject();
    await expect(call(f.backend, 'project.merge', { shards: [path(1), path(2, 'label')] })).rejects.toThrow(
      /ablationlabel-2of2\.nwbshard: params\.key\.simulator is label, but ablation-1of2\.nwbshard has \{"encoder"/,
    );
    const m = await call(f.backend, 'project.merge', { shards: [path(2), path(1)] });
    expect(m).toMatchObject({ kind: 'ablation.run', shards: 2, ablationRunId: ab.run.id });
    const a = new Database(single, { readonly: true });
    expect(runRow(project.db, ab.run.id)).toEqual(runRow(a, ab.run.id));
    expect(neuronRows(project.db, ab.run.id)).toEqual(neuronRows(a, ab.run.id));
    const want = scoreRows(a, ab.run.id) as { simulator: string }[];
    a.close();
    const encSha = (await call(f.backend, 'encoder.list', {})).find((e) => e.id === encB)!.sha256;
    expect(want.length).toBeGreaterThan(64);
    expect(new Set(want.map((r) => r.simulator))).toEqual(new Set([encSha]));
    expect(scoreRows(project.db, ab.run.id)).toEqual(want);
    expect(await call(f.backend, 'ablation.run', abIn)).toMatchObject({ reused: true, run: { id: ab.run.id } });
  }, 300_000);
});
