import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, probeProject } from './explain.helpers';

// cluster.submit --engine kubernetes (docs/cluster.md): the Indexed Job manifest is checked against the Kubernetes
// JSON schema of batch/v1 Job (v1.30, strict: no unknown field), committed in resources/fixtures/kubernetes (nothing is
// fetched), and its task script is run with a stand-in npm to see which shard each completion index computes.

const SCHEMA = join(__dirname, '../../resources/fixtures/kubernetes/job-batch-v1.pruned.json');

async function jobValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The OpenAPI integer formats, checked by range (the schema's only formats besides date-time, which we never emit).
  ajv.addFormat('int32', { type: 'number', validate: (x: number) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (x: number) => Number.isSafeInteger(x) });
  return ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')));
}

async function setup() {
  const f = await probeProject(5); // 50 images
  const m = await call(f.backend, 'model.add', { path: CNN });
  await call(f.backend, 'model.setPreprocessing', { modelId: m.id, preset: 'fashion-mnist' });
  const input = { modelId: m.id, layer: CNN_POOLED, probeSetId: f.probeSetId, summary: 'identity' as const, batchSize: 16 };
  // The project, probe images and shards under one hostPath; the model (in the repository) from a read-only claim.
  const volumes = [
    { hostPath: f.dir, mountPath: f.dir },
    { claimName: 'nwb-models', mountPath: dirname(CNN), readOnly: true },
  ];
  return { f, input, volumes };
}

type Manifest = {
  spec: {
    completions: number;
    parallelism: number;
    completionMode: string;
    template: { spec: { containers: { command: string[]; resources: unknown; volumeMounts: unknown; image: string }[]; volumes: unknown } };
  };
};

describe('cluster.submit --engine kubernetes', () => {
  it('writes an Indexed Job that the batch/v1 Job schema accepts; index k runs shard k+1; wrong manifests fail the schema', async () => {
    const { f, input, volumes } = await setup();
    const dir = join(f.dir, 'shards');
    const r = await call(f.backend, 'cluster.submit', {
      engine: 'kubernetes',
      command: 'activations.extract',
      input,
      shards: 4,
      shardDir: dir,
      jobName: 'nwb-extract',
      cpusPerTask: 2,
      gpusPerTask: 1,
      maxParallel: 2,
      kubernetes: { image: 'registry.example/nwb:1', namespace: 'research', volumes, memory: '4Gi' },
    });
    // Not applied (dry run is the default for kubernetes): the line to run is given.
    expect(r.jobId).toBeNull();
    expect(r.scriptPath).toBe(join(dir, 'nwb-extract.job.json'));
    expect(r.submitCommand).toBe(`kubectl apply -f '${r.scriptPath}'`);
    const manifest = JSON.parse(await readFile(r.scriptPath, 'utf8')) as Manifest;
    const validate = await jobValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);

    expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 2 });
    const c = manifest.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.example/nwb:1');
    expect(c.resources).toEqual({
      requests: { cpu: '2', memory: '4Gi' },
      limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' },
    });
    expect(c.volumeMounts).toEqual([
      { name: 'data-0', mountPath: f.dir, readOnly: false },
      { name: 'data-1', mountPath: dirname(CNN), readOnly: true },
    ]);
    expect(manifest.spec.template.spec.volumes).toEqual([
      { name: 'data-0', hostPath: { path: f.dir, type: 'Directory' } },
      { name: 'data-1', persistentVolumeClaim: { claimName: 'nwb-models', readOnly: true } },
    ]);

    // The container's script with JOB_COMPLETION_INDEX=2 and an npm that prints its arguments: shard 3 of 4.
    expect(c.command.slice(0, 2)).toEqual(['bash', '-c']);
    const bin = join(f.dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'npm'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    await chmod(join(bin, 'npm'), 0o755);
    const args = execFileSync('bash', ['-c', c.command[2]], {
      env: { PATH: `${bin}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: '2' },
      encoding: 'utf8',
    }).split('\n');
    expect(args.slice(0, 5)).toEqual(['run', '-s', 'cli', '--', 'activations.extract']);
    expect(args[args.indexOf('--project') + 1]).toBe(f.backend.state.requireProject().path);
    expect(args).toContain('--readOnly');
    expect(JSON.parse(args[args.indexOf('--json') + 1])).toEqual(input);
    expect(JSON.parse(args[args.indexOf('--shard') + 1])).toEqual({
      index: 3,
      count: 4,
      path: join(dir, 'activations.extract-3of4.nwbshard'),
    });
    expect(r.shardFiles[2]).toBe(join(dir, 'activations.extract-3of4.nwbshard'));

    // The schema check can fail: a container without its name, a misspelt field, a count given as text.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits parsed JSON at any depth
    type Json = any;
    const broken = (edit: (m: Json) => void) => {
      const m = structuredClone(manifest) as Json;
      edit(m);
      return validate(m) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
    };
    expect(broken((m) => delete m.spec.template.spec.containers[0].name)).toContain(
      "/spec/template/spec/containers/0 must have required property 'name'",
    );
    expect(broken((m) => (m.spec.completionsMode = 'Indexed'))).toContain('/spec must NOT have additional properties');
    expect(broken((m) => (m.spec.completions = '4'))).toContain('/spec/completions must be integer,null');
    expect(broken((m) => (m.spec.template.spec.volumes[1].persistentVolumeClaim = {}))).toContain(
      "/spec/template/spec/volumes/1/persistentVolumeClaim must have required property 'claimName'",
    );
    expect(broken((m) => (m.spec.parallelism = 2 ** 31))).toContain('/spec/parallelism must match format "int32"');

    // The project lists the job; its status comes from the shard files (kubectl is not queried).
    expect(await call(f.backend, 'cluster.jobs', {})).toMatchObject([
      { engine: 'kubernetes', jobId: 'nwb-extract', command: 'activations.extract', shards: 4, shardDir: dir, merged: false },
    ]);
    const st = await call(f.backend, 'cluster.status', { jobId: 'nwb-extract', shardDir: dir });
    expect(st.engine).toBe('kubernetes');
    expect(st.tasks.map((t) => [t.index, t.state, t.shardComplete, t.progress])).toEqual(
      [1, 2, 3, 4].map((i) => [i, 'UNKNOWN', false, null]),
    );
    expect(st.done).toBe(false);
  });

  it('refuses what the pods could not run, naming the field', async () => {
    const { f, input, volumes } = await setup();
    const dir = join(f.dir, 'shards');
    const base = {
      engine: 'kubernetes' as const,
      command: 'activations.extract' as const,
      input,
      shards: 2,
      shardDir: dir,
      jobName: 'nwb-x',
    };
    const k = { image: 'nwb:1', volumes };
    await expect(call(f.backend, 'cluster.submit', base)).rejects.toThrow(/engine kubernetes needs kubernetes: \{"image"/);
    await expect(call(f.backend, 'cluster.submit', { ...base, jobName: 'NWB_x', kubernetes: k })).rejects.toThrow(
      /jobName NWB_x is not a Kubernetes name/,
    );
    // Without the read-only models claim the model's file is under no mount.
    await expect(call(f.backend, 'cluster.submit', { ...base, kubernetes: { ...k, volumes: [volumes[0]] } })).rejects.toThrow(
      new RegExp(`model 1 \\(${CNN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) is under no kubernetes.volumes\\[\\].mountPath`),
    );
    // The shard folder on a read-only volume.
    await expect(
      call(f.backend, 'cluster.submit', { ...base, kubernetes: { ...k, volumes: [{ ...volumes[0], readOnly: true }, volumes[1]] } }),
    ).rejects.toThrow(/shardDir .* is under no writable kubernetes.volumes/);
    await expect(call(f.backend, 'cluster.submit', { ...base, kubernetes: { ...k, volumes: [{ mountPath: '/data' }] } })).rejects.toThrow(
      /claimName or hostPath/,
    );
    // A tab in a path would reach the task line raw: refused like a quote.
    await expect(call(f.backend, 'cluster.submit', { ...base, shardDir: `${dir}\tx`, kubernetes: k })).rejects.toThrow(
      /shardDir .* holds a quote, backslash, \$ or a control character/,
    );
    // Refused before anything was stored or made: no shard folder.
    expect(existsSync(dir)).toBe(false);
    expect(await call(f.backend, 'cluster.jobs', {})).toEqual([]);
  });
});
