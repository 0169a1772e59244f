import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// Ablation, Top Impact and CLIP-Dissect as real Slurm job arrays (docs/cluster.md): cluster.submit stores what the tasks read
// (temperature fit; embeddings), each task runs the CLI with its --shard on the project opened read-only, and
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
  it('ablation.run, topimpact.run and clipDissect.run in 3 tasks each: merged when done; the single calls reuse them', async () => {
    const f = await probeProject(10); // 100 images
    const setId = await extract(f, CNN, CNN_POOLED);
    const encoderId = (await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders', 'fmnist_siglip_a') })).id;
    await writeFile(join(f.dir, 'concepts.txt'), 'shoe\nbag\ntrouser\ndress\nshirt\nsneaker\nsandal\ncoat\n');
    const conceptSetId = (await call(f.backend, 'conceptSet.import', { path: join(f.dir, 'concepts.txt') })).set.id;
    const er = await call(f.backend, 'explain.run', { activationSetId: setId });
    const abIn = { explainRunId: er.run.id, blockSize: 8 };
    const tiIn = { activationSetId: setId, blockSize: 8 };
    const clipIn = { activationSetId: setId, encoderId, conceptSetId };
    const jobs = [
      { command: 'ablation.run' as const, input: abIn, jobName: 'nwbab' },
      { command: 'topimpact.run' as const, input: tiIn, jobName: 'nwbti' },
      { command: 'clipDissect.run' as const, input: clipIn, jobName: 'nwbclip' },
    ];
    const merged = [];
    for (const j of jobs) {
      const shardDir = join(f.dir, j.jobName);
      const r = await call(f.backend, 'cluster.submit', { ...j, shards: 3, shardDir });
      expect(r.script).toContain('--readOnly');
      let st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir, merge: true });
      for (let t = 0; t < 300 && !st.merged; t++) {
        expect(st.tasks.filter((x) => /FAILED|CANCELLED|TIMEOUT/.test(x.state)).map((x) => x.logTail)).toEqual([]);
        await new Promise((ok) => setTimeout(ok, 1000));
        st = await call(f.backend, 'cluster.status', { jobId: r.jobId!, shardDir, merge: true });
      }
      expect(st.merged).toMatchObject({ kind: j.command, shards: 3, activationSetId: setId });
      merged.push(st.merged!);
    }
    const ab = await call(f.backend, 'ablation.run', abIn);
    expect(ab).toMatchObject({ reused: true, run: { id: merged[0].ablationRunId, neuronsDone: 64, status: 'done' } });
    const ti = await call(f.backend, 'topimpact.run', tiIn);
    expect(ti).toMatchObject({ reused: true, run: { id: merged[1].ablationRunId, neuronsDone: 64, status: 'done' } });
    const clip = await call(f.backend, 'clipDissect.run', clipIn);
    expect(clip).toMatchObject({ reused: true, run: { id: merged[2].explainRunId, neuronsDone: 64, status: 'done' } });
    expect((await call(f.backend, 'cluster.jobs', {})).map((j) => [j.command, j.merged])).toEqual([
      ['clipDissect.run', true],
      ['topimpact.run', true],
      ['ablation.run', true],
    ]);
  }, 600_000);
});
