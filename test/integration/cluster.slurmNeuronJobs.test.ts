import { execFileSync } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { dndRunRows, explainRunRows, rowsIn } from './cluster.results.helpers';
import { addFixtureDescribers, fixtureDnd } from './dissect.helpers';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// Ablation, Top Impact, CLIP-Dissect, LE(SigLIP) and DnD as real Slurm job arrays (docs/cluster.md): cluster.submit
// stores what the tasks read (temperature fit; embeddings and the filtered concept set; the split), each task runs the
// CLI with its --shard on the project opened read-only (DnD tasks: with the submitting app's describer library), and
// cluster.status --merge true merges the shards once every one is complete. Skipped without a Slurm cluster here
// (scripts/cluster/slurm-single-node.sh start).

const slurmUp = (() => {
  try {
    return /idle|mixed|alloc/.test(execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
})();

describe.skipIf(!slurmUp)('neuron jobs through a real Slurm array, merged by cluster.status --merge', () => {
  it('ablation, Top Impact, CLIP-Dissect, LE(SigLIP) and DnD arrays: merged when done, equal to the single runs', async () => {
    const f = await probeProject(10); // 100 images
    const setId = await extract(f, CNN, CNN_POOLED);
    const encoderId = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    await call(f.backend, 'calibration.set', { encoderId, a: 30, b: -0.2, source: 'manual' });
    await writeFile(join(f.dir, 'concepts.txt'), 'shoe\nbag\ntrouser\ndress\nshirt\nsneaker\nsandal\ncoat\n');
    const conceptSetId = (await call(f.backend, 'conceptSet.import', { path: join(f.dir, 'concepts.txt') })).set.id;
    const er = await call(f.backend, 'explain.run', { activationSetId: setId });
    const abIn = { explainRunId: er.run.id, blockSize: 8 };
    const tiIn = { activationSetId: setId, blockSize: 8 };
    const clipIn = { activationSetId: setId, encoderId, conceptSetId };
    const leIn = {
      activationSetId: setId,
      blockSize: 8,
      conceptSource: { kind: 'encoder' as const, encoderId, conceptSetId, filter: true },
    };
    const dndIn = { ...fixtureDnd({ encoderA: encoderId, ...(await addFixtureDescribers(f.backend)) }, setId), neurons: [1, 3] };
    const jobs = [
      { command: 'ablation.run' as const, input: abIn, jobName: 'nwbab', shards: 3 },
      { command: 'topimpact.run' as const, input: tiIn, jobName: 'nwbti', shards: 3 },
      { command: 'clipDissect.run' as const, input: clipIn, jobName: 'nwbclip', shards: 3 },
      { command: 'explain.run' as const, input: leIn, jobName: 'nwble', shards: 2 },
      { command: 'dnd.run' as const, input: dndIn, jobName: 'nwbdnd', shards: 2 },
    ];
    // The single LE(SigLIP) and DnD runs go to a copy holding what their submits store (embeddings, filtered set, split).
    for (const j of jobs.slice(3)) await call(f.backend, 'cluster.submit', { ...j, shardDir: join(f.dir, 'dry'), dryRun: true });
    const project = join(f.dir, 'project.nwb');
    const single = join(f.dir, 'single.nwb');
    await call(f.backend, 'project.close', {});
    await copyFile(project, single);
    await call(f.backend, 'project.open', { path: project });

    const merged = [];
    for (const j of jobs) {
      const shardDir = join(f.dir, j.jobName);
      const r = await call(f.backend, 'cluster.submit', { ...j, shardDir });
      expect(r.script).toContain('--readOnly');
      let st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir, merge: true });
      for (let t = 0; t < 300 && !st.merged; t++) {
        expect(st.tasks.filter((x) => /FAILED|CANCELLED|TIMEOUT/.test(x.state)).map((x) => x.logTail)).toEqual([]);
        await new Promise((ok) => setTimeout(ok, 1000));
        st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir, merge: true });
      }
      expect(st.merged).toMatchObject({ kind: j.command, shards: j.shards, activationSetId: setId });
      merged.push(st.merged!);
    }
    const ab = await call(f.backend, 'ablation.run', abIn);
    expect(ab).toMatchObject({ reused: true, run: { id: merged[0].ablationRunId, neuronsDone: 64, status: 'done' } });
    const ti = await call(f.backend, 'topimpact.run', tiIn);
    expect(ti).toMatchObject({ reused: true, run: { id: merged[1].ablationRunId, neuronsDone: 64, status: 'done' } });
    const clip = await call(f.backend, 'clipDissect.run', clipIn);
    expect(clip).toMatchObject({ reused: true, run: { id: merged[2].explainRunId, neuronsDone: 64, status: 'done' } });
    const le = await call(f.backend, 'explain.run', leIn);
    expect(le).toMatchObject({ reused: true, run: { id: merged[3].explainRunId, method: 'le_siglip', neuronsDone: 64, status: 'done' } });
    const dnd = await call(f.backend, 'dnd.run', dndIn);
    expect(dnd).toMatchObject({ reused: true, run: { id: merged[4].explainRunId, neuronsDone: 2, status: 'done' } });
    expect((await call(f.backend, 'cluster.jobs', {})).map((j) => [j.command, j.merged])).toEqual([
      ['dnd.run', true],
      ['explain.run', true],
      ['clipDissect.run', true],
      ['topimpact.run', true],
      ['ablation.run', true],
    ]);

    // The merged LE(SigLIP) and DnD runs equal the single runs row for row (DnD: chains with their generated PNGs).
    await call(f.backend, 'project.open', { path: single });
    const wholeLe = (await call(f.backend, 'explain.run', leIn)).run.id;
    const wholeDnd = (await call(f.backend, 'dnd.run', dndIn)).run.id;
    await call(f.backend, 'project.close', {});
    const wantLe = rowsIn(single, explainRunRows, wholeLe);
    expect(wantLe.exps.length).toBeGreaterThanOrEqual(64);
    expect(rowsIn(project, explainRunRows, merged[3].explainRunId!)).toEqual(wantLe);
    const wantDnd = rowsIn(single, dndRunRows, wholeDnd);
    expect(wantDnd.neurons.flatMap((n) => n.images ?? []).length).toBeGreaterThan(0);
    expect(rowsIn(project, dndRunRows, merged[4].explainRunId!)).toEqual(wantDnd);
  }, 900_000);
});
