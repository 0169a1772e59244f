import { createHash } from 'node:crypto';
import { copyFile, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/main/core/app/backend';
import * as acts from '../../src/main/core/platform/store/activationRepo';
import { AppError } from '../../src/shared/errors';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, PLANTED, probeProject } from './explain.helpers';

// activations.extract --shard i/n + project.merge (docs/cluster.md): 4 shards merged equal the single run chunk for
// chunk, byte for byte; shards of another job, a missing or a duplicate shard are refused naming the shard file and
// the field, and the project file and its WAL stay byte for byte as they were (also when a merge fails mid-way).

async function digest(path: string): Promise<string> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  return exists
    ? createHash('sha256')
        .update(await readFile(path))
        .digest('hex')
    : 'absent';
}

const chunksOf = (db: Database.Database, setId: number) =>
  (['act', 'logits', 'pred'] as const).flatMap((kind) =>
    [...acts.readChunks(db, setId, kind)].map((c) => ({ kind, ...c, bytes: Buffer.from(c.data.buffer) })),
  );

async function addModel(backend: Backend, path: string): Promise<number> {
  const m = await call(backend, 'model.add', { path });
  await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  return m.id;
}

describe('sharded extraction and merge', () => {
  it('4 shards + merge equal the single run byte for byte; bad shard sets are refused and leave the project untouched', async () => {
    const f = await probeProject(20); // 200 images; batchSize 16 -> 13 chunks -> shards of 3, 3, 3, 4 chunks (floor((i-1)*13/4))
    const modelId = await addModel(f.backend, CNN);
    const plantedId = await addModel(f.backend, PLANTED);
    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);
    await call(f.backend, 'project.open', { path: single });
    const input = { modelId, layer: CNN_POOLED, probeSetId: f.probeSetId, summary: 'identity' as const, batchSize: 16 };
    const whole = await call(f.backend, 'activations.extract', input);

    await call(f.backend, 'project.open', { path: sharded });
    // The shard tasks read the project read-only (as cluster tasks do) and write only their shard files.
    await call(f.backend, 'project.close', {});
    const shardsBefore = await digest(sharded);
    await call(f.backend, 'project.open', { path: sharded, readOnly: true });
    const shard = (i: number, n = 4, extra: object = {}) => ({
      ...input,
      ...extra,
      shard: { index: i, count: n, path: join(f.dir, `s${i}of${n}.nwbshard`) },
    });
    const ranges = [];
    for (let i = 1; i <= 4; i++) {
      const r = await call(f.backend, 'activations.extract', shard(i));
      ranges.push([r.shard!.from, r.shard!.to]);
      expect(r.activationSet.rowsDone).toBe(r.shard!.to - r.shard!.from);
    }
    expect(ranges).toEqual([
      [0, 48],
      [48, 96],
      [96, 144],
      [144, 200],
    ]);
    // Bad shards: another model, other parameters, not a shard file.
    const otherModel = await call(f.backend, 'activations.extract', {
      modelId: plantedId,
      layer: 'planted',
      probeSetId: f.probeSetId,
      summary: 'identity',
      batchSize: 16,
      shard: { index: 2, count: 4, path: join(f.dir, 'planted2of4.nwbshard') },
    });
    expect(otherModel.shard?.complete).toBe(true);
    await call(f.backend, 'activations.extract', {
      ...input,
      batchSize: 32,
      shard: { index: 2, count: 4, path: join(f.dir, 'b32_2of4.nwbshard') },
    });
    // Re-running a finished shard resumes it (nothing left to do); another job into the same file is refused.
    await expect(call(f.backend, 'activations.extract', { ...shard(3), batchSize: 32 })).rejects.toMatchObject({ code: 'file_exists' });
    await call(f.backend, 'project.close', {});
    expect(await digest(sharded)).toBe(shardsBefore); // shard runs never wrote the project

    await call(f.backend, 'project.open', { path: sharded });
    const project = f.backend.state.requireProject();
    const p = (name: string) => join(f.dir, name);
    const good = [1, 2, 3, 4].map((i) => p(`s${i}of4.nwbshard`));
    const bad: [string, string[], RegExp][] = [
      [
        'another model',
        [good[0], p('planted2of4.nwbshard'), good[2], good[3]],
        /planted2of4\.nwbshard: modelSha is [0-9a-f]{64}, but s1of4\.nwbshard has/,
      ],
      [
        'other parameters',
        [good[0], p('b32_2of4.nwbshard'), good[2], good[3]],
        /b32_2of4\.nwbshard: params\.chunkRows is 32, but s1of4\.nwbshard has 16/,
      ],
      ['a missing shard', good.slice(0, 3), /Shard 4\/4 of the job missing/],
      ['a duplicate shard', [...good, good[1]], /s2of4\.nwbshard: shard 2\/4 is given twice \(also .*s2of4\.nwbshard\)/],
      ['not a shard file', [...good.slice(0, 3), single], /project\.nwb: not a shard file/],
    ];
    const changes = () => (project.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const snapshot = async () => ({ changes: changes(), file: await digest(sharded), wal: await digest(`${sharded}-wal`) });
    for (const [what, shards, text] of bad) {
      project.db.pragma('wal_checkpoint(TRUNCATE)');
      const before = await snapshot();
      const e = await call(f.backend, 'project.merge', { shards }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, what).toBeInstanceOf(AppError);
      expect((e as AppError).message, what).toMatch(text);
      expect(await snapshot(), what).toEqual(before);
    }
    // A merge that fails mid-way (shard 4 lost its last chunk after its run: caught only after shards 1-3 were
    // written inside the transaction) rolls back: the project is as it was.
    const broken = p('broken4of4.nwbshard');
    await copyFile(good[3], broken);
    const bdb = new Database(broken);
    bdb.prepare("DELETE FROM activation_chunks WHERE chunk = 12 AND kind = 'pred'").run();
    bdb.close();
    project.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = await snapshot();
    await expect(call(f.backend, 'project.merge', { shards: [...good.slice(0, 3), broken] })).rejects.toThrow(
      /broken4of4\.nwbshard: holds 3 of its 4 pred chunks/,
    );
    project.db.pragma('wal_checkpoint(TRUNCATE)');
    expect({ ...(await snapshot()), changes: before.changes }).toEqual(before);
    expect(acts.listSets(project.db, {})).toEqual([]);

    // The real merge, shards given in any order.
    const merged = await call(f.backend, 'project.merge', { shards: [good[2], good[0], good[3], good[1]] });
    expect(merged).toMatchObject({ kind: 'activations.extract', shards: 4 });
    const a = new Database(single, { readonly: true });
    const want = chunksOf(a, whole.activationSet.id);
    const got = chunksOf(project.db, merged.activationSetId);
    expect(want.length).toBe(39);
    expect(got.map((c) => [c.kind, c.chunk, c.nRows])).toEqual(want.map((c) => [c.kind, c.chunk, c.nRows]));
    got.forEach((c, i) => expect(c.bytes.equals(want[i].bytes), `${c.kind} chunk ${c.chunk}`).toBe(true));
    expect(acts.getStats(project.db, merged.activationSetId)).toEqual(acts.getStats(a, whole.activationSet.id));
    const info = (await call(f.backend, 'activations.list', {}))[0];
    expect(info).toMatchObject({ nImages: 200, rowsDone: 200, complete: true });
    a.close();
    // Merging again is refused: the set is complete.
    await expect(call(f.backend, 'project.merge', { shards: good })).rejects.toThrow(/already has this activation set/);
    await unlink(broken);
  }, 120_000);
});
