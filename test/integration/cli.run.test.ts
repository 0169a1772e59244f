import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { CNN, CNN_POOLED, PLANTED, extract, probeProject } from './explain.helpers';

// runCli in-process on a real project: the flags reach the handler as typed (issue #11: `--neurons 1,2,3`
// used to explain every neuron, `--seed abc` ran with seed 0), and one process can run many commands.

async function cli(argv: string[], dataDir: string): Promise<{ code: number; out: unknown; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { NWB_DATA_DIR: dataDir } });
  return { code, out: JSON.parse(stdout) as unknown, stderr };
}

interface RunOut {
  run: { id: number; neuronsDone: number; neuronsTotal: number; params: Record<string, unknown> };
  reused: boolean;
}

describe('runCli on a real project', () => {
  it('passes list, number and JSON flags through unchanged, refuses bad ones, and runs many commands in one process', async () => {
    const f = await probeProject(8);
    const setId = await extract(f, PLANTED, 'planted');
    const pooledId = await extract(f, CNN, CNN_POOLED);
    const project = f.backend.state.requireProject().path;
    f.backend.dispose();
    const dataDir = join(f.dir, 'cli-data');
    const base = ['explain.run', '--project', project, '--activationSetId', String(setId), '--quiet'];

    const r = await cli(
      [...base, '--neurons', '1,2,3', '--seed', '7', '--conceptSource', '{"kind":"labels"}', '--maxConcepts', '3'],
      dataDir,
    );
    expect(r.code).toBe(0);
    const run = (r.out as RunOut).run;
    expect(run.params).toMatchObject({ neurons: [1, 2, 3], seed: 7, maxConcepts: 3, conceptSource: { kind: 'labels' } });
    expect(run.neuronsTotal).toBe(3);
    expect(r.stderr).toBe('');
    // NWB_DATA_DIR comes from io.env: the recent-projects list is written there.
    expect(existsSync(dataDir)).toBe(true);

    // The same call again in the same process returns the finished run.
    const again = await cli(
      [...base, '--neurons', '1,2,3', '--seed', '7', '--conceptSource', '{"kind":"labels"}', '--maxConcepts', '3'],
      dataDir,
    );
    expect(again.code).toBe(0);
    expect(again.out).toMatchObject({ reused: true, run: { id: run.id } });

    for (const [flag, value, message] of [
      ['--neurons', '1,2,,3', '--neurons item 3 is empty'],
      ['--seed', 'abc', "--seed must be an integer between 0 and 4294967295 (got 'abc')"],
      ['--eps', 'NaN', "--eps must be a number between 0 and 1 (got 'NaN')"],
      ['--conceptSource', '{"kind":...', '--conceptSource is not valid JSON'],
    ]) {
      const bad = await cli([...base, flag, value], dataDir);
      expect(bad.code).toBe(2);
      expect(bad.out).toMatchObject({ error: { code: 'bad_input' } });
      expect((bad.out as { error: { message: string } }).error.message).toContain(message);
    }

    // A coded error from the backend (a neuron out of range) is exit 2 too, and a later call still works.
    const range = await cli([...base, '--neurons', '100000'], dataDir);
    expect(range.code).toBe(2);
    expect(range.out).toMatchObject({ error: { code: 'bad_input' } });
    const ti = await cli(
      ['topimpact.run', '--project', project, '--activationSetId', String(pooledId), '--quiet', '--neurons', '1,2', '--temperature', '1'],
      dataDir,
    );
    expect(ti.stderr).toBe('');
    expect(ti.code).toBe(0);
    expect(ti.out).toMatchObject({ run: { neuronsTotal: 2, params: { neurons: [1, 2], temperature: 1 } } });

    const runs = await cli(['explain.runs', '--project', project, '--activationSetId', String(setId)], dataDir);
    expect(runs.code).toBe(0);
    expect(runs.out).toHaveLength(1);
  });
});
