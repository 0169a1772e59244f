import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';
import { explainRunRows as results } from './cluster.results.helpers';

// explain.run with encoder concepts (LE(SigLIP)) --shard i/n + project.merge (docs/cluster.md): the fixture CNN's
// pooled layer (64 neurons), fixture encoder A, the probe set's label texts plus a few other words, top-5 filter on.
// cluster.submit stores the embeddings and the filtered set first; 4 shards on the project opened read-only, merged,
// equal the single run row for row (explanations, their encoder and label-simulator scores, neuron rows, the run).

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('sharded explain.run with encoder concepts (LE(SigLIP)), merged', () => {
  it('4 shards + merge equal the single run bit for bit; other parameters and unembedded concepts are refused', async () => {
    const f = await probeProject(20);
    const setId = await extract(f, CNN, CNN_POOLED);
    const encoderId = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    await call(f.backend, 'calibration.set', { encoderId, a: 30, b: -0.2, source: 'manual' });
    const labels = await call(f.backend, 'conceptSet.fromLabels', { probeSetId: f.probeSetId });
    const words = join(f.dir, 'words.txt');
    await writeFile(words, 'guitar\nzebra\nleather\nstripe\nheel\n');
    const extra = (await call(f.backend, 'conceptSet.import', { path: words })).set.id;
    const conceptSetId = (await call(f.backend, 'conceptSet.combine', { conceptSetIds: [labels.id, extra] })).set.id;
    const input = {
      activationSetId: setId,
      blockSize: 8,
      conceptSource: { kind: 'encoder' as const, encoderId, conceptSetId, filter: true },
    };

    // cluster.submit stores what the tasks read: split, image and concept embeddings, the filtered concept set.
    const db = () => f.backend.state.requireProject().db;
    const count = (sql: string) => (db().prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM embeddings')).toBe(0);
    await call(f.backend, 'cluster.submit', { command: 'explain.run', input, shards: 4, shardDir: join(f.dir, 'submit'), dryRun: true });
    const total = (await call(f.backend, 'conceptSet.get', { conceptSetId })).concepts.length;
    expect(count('SELECT count(*) AS n FROM embeddings')).toBe(200 + total);
    expect(count("SELECT count(*) AS n FROM concept_sets WHERE source = 'filtered'")).toBe(1);
    // A set whose texts are not embedded (for a refusal below).
    await writeFile(join(f.dir, 'other.txt'), 'violin\ncactus\n');
    const other = (await call(f.backend, 'conceptSet.import', { path: join(f.dir, 'other.txt') })).set.id;

    const single = join(f.dir, 'project.nwb');
    const sharded = join(f.dir, 'sharded.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(single, sharded);
    await call(f.backend, 'project.open', { path: single });
    const whole = await call(f.backend, 'explain.run', input);
    expect(whole.run).toMatchObject({ method: 'le_siglip', neuronsTotal: 64, neuronsDone: 64, status: 'done' });

    const before = sha(sharded);
    await call(f.backend, 'project.open', { path: sharded, readOnly: true });
    const path = (i: number, tag = '') => join(f.dir, `le${tag}-${i}of4.nwbshard`);
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
    // The same shard without the filter (refused by the merge below), and a shard of concepts never embedded.
    const unfiltered = { ...input.conceptSource, filter: false };
    await call(f.backend, 'explain.run', { ...input, conceptSource: unfiltered, shard: { index: 2, count: 4, path: path(2, 'nofilter') } });
    await expect(
      call(f.backend, 'explain.run', {
        ...input,
        conceptSource: { ...input.conceptSource, conceptSetId: other },
        shard: { index: 1, count: 4, path: path(1, 'other') },
      }),
    ).rejects.toThrow(/2 concept text embeddings under encoder \w+ are not cached in the project/);
    await call(f.backend, 'project.close', {});
    expect(sha(sharded)).toBe(before);

    await call(f.backend, 'project.open', { path: sharded });
    await expect(call(f.backend, 'project.merge', { shards: [path(1), path(2, 'nofilter'), path(3), path(4)] })).rejects.toThrow(
      /lenofilter-2of4\.nwbshard: params\.key\.filter is false, but le-1of4\.nwbshard has true/,
    );
    expect(count('SELECT count(*) AS n FROM explain_runs')).toBe(0);
    const merged = await call(f.backend, 'project.merge', { shards: [path(3), path(1), path(4), path(2)] });
    expect(merged).toMatchObject({ kind: 'explain.run', shards: 4, activationSetId: setId });

    const a = new Database(single, { readonly: true });
    const want = results(a, whole.run.id);
    a.close();
    const have = results(db(), merged.explainRunId!);
    // The filter dropped concepts (the run names the filtered set, not the source set) and label-only
    // explanations were also scored under the label simulator: both paths are in the comparison.
    expect((want.run as { concept_set_id: number }).concept_set_id).not.toBe(conceptSetId);
    expect(want.exps.length).toBeGreaterThanOrEqual(64);
    expect(want.exps.some((e) => e.scores.some((s) => s.simulator === 'label'))).toBe(true);
    expect(have).toEqual(want);
    expect(await call(f.backend, 'explain.run', input)).toMatchObject({ reused: true, run: { id: merged.explainRunId } });
  }, 300_000);
});
