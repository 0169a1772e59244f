import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { KubernetesOptions, SubmitInput } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { getModel } from '../../platform/store/modelRepo';
import { getProbeSet } from '../../platform/store/probeRepo';
import type { JobRecord } from './slurm';
import { prepareSubmit, recordJob, sq, taskLines, type Prepared } from './tasks';

// cluster.submit --engine kubernetes (docs/cluster.md): an Indexed Job (completion index k runs shard k+1) whose pods
// see the project, its model, probe images and shardDir at the same absolute paths through the volumes the user names
// (a PersistentVolumeClaim or a hostPath each). The manifest is written; kubectl is called only with dryRun: false.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const under = (path: string, dir: string) => {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** The Job manifest (batch/v1), as the object kubectl reads (JSON is YAML). */
export function jobManifest(o: SubmitInput, k: KubernetesOptions, p: Prepared): Record<string, unknown> {
  const n = o.shards;
  const labels = { 'app.kubernetes.io/name': 'neuron-workbench', 'app.kubernetes.io/instance': o.jobName };
  const quantity = { cpu: String(o.cpusPerTask), ...(k.memory ? { memory: k.memory } : {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.jobName, ...(k.namespace ? { namespace: k.namespace } : {}), labels },
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: Math.min(o.maxParallel ?? n, n),
      // A failed index is retried alone this often; the other indexes go on (needs restartPolicy Never).
      backoffLimitPerIndex: k.retriesPerShard,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'shard',
              image: k.image,
              workingDir: k.workingDir,
              command: ['bash', '-c', ['set -euo pipefail', ...taskLines(o, p, 'JOB_COMPLETION_INDEX')].join('\n')],
              resources: {
                requests: quantity,
                limits: { ...quantity, ...(o.gpusPerTask ? { 'nvidia.com/gpu': String(o.gpusPerTask) } : {}) },
              },
              volumeMounts: k.volumes.map((v, i) => ({ name: `data-${i}`, mountPath: v.mountPath, readOnly: v.readOnly })),
            },
          ],
          volumes: k.volumes.map((v, i) =>
            v.claimName
              ? { name: `data-${i}`, persistentVolumeClaim: { claimName: v.claimName, readOnly: v.readOnly } }
              : { name: `data-${i}`, hostPath: { path: v.hostPath, type: 'Directory' } },
          ),
        },
      },
    },
  };
}

/** Every path a task opens must lie under a mounted volume (shardDir under a writable one). */
function checkVolumes(state: BackendState, o: SubmitInput, k: KubernetesOptions, p: Pick<Prepared, 'project' | 'dir' | 'dataDir'>): void {
  const db = state.requireProject().db;
  const input = o.input as { modelId?: number; probeSetId?: number };
  const reads: [string, string][] = [['the project', p.project]];
  const model = typeof input.modelId === 'number' ? getModel(db, input.modelId) : null;
  if (model) reads.push([`model ${model.id}`, resolve(model.path)]);
  const probes = typeof input.probeSetId === 'number' ? getProbeSet(db, input.probeSetId) : undefined;
  if (probes) reads.push([`probe set ${probes.id}'s images`, resolve(probes.rootPath)]);
  if (p.dataDir) reads.push(['the data folder (describer library)', p.dataDir]);
  const mounts = k.volumes.map((v) => ({ ...v, mountPath: resolve(v.mountPath) }));
  for (const [what, path] of reads)
    if (!mounts.some((v) => under(path, v.mountPath)))
      throw new AppError(
        'bad_input',
        `${what} (${path}) is under no kubernetes.volumes[].mountPath (${mounts.map((v) => v.mountPath).join(', ')}): the pods could not open it. Mount the folder holding it at the same path.`,
      );
  if (!mounts.some((v) => !v.readOnly && under(p.dir, v.mountPath)))
    throw new AppError(
      'bad_input',
      `shardDir ${p.dir} is under no writable kubernetes.volumes[].mountPath: the tasks write their shard files there.`,
    );
}

export async function submitKubernetes(state: BackendState, o: SubmitInput) {
  const k = o.kubernetes;
  if (!k) throw new AppError('bad_input', 'engine kubernetes needs kubernetes: {"image": ..., "volumes": [...]} (docs/cluster.md).');
  if (!DNS_LABEL.test(o.jobName))
    throw new AppError('bad_input', `jobName ${o.jobName} is not a Kubernetes name: lower-case letters, digits and - (at most 63).`);
  if (o.partition) throw new AppError('bad_input', 'partition is a Slurm option: use kubernetes.namespace instead.');
  // Volumes first: a refused job must not have stored anything (embeddings can take minutes) or made shardDir.
  const p = await prepareSubmit(state, o, (paths) => checkVolumes(state, o, k, paths));
  const script = JSON.stringify(jobManifest(o, k, p), null, 2) + '\n';
  const scriptPath = join(p.dir, `${o.jobName}.job.json`);
  await writeFile(scriptPath, script);
  const record: JobRecord = {
    engine: 'kubernetes',
    jobId: o.jobName,
    command: o.command,
    count: o.shards,
    shardDir: p.dir,
    jobName: o.jobName,
    scriptPath,
  };
  await writeFile(join(p.dir, `k8s-${o.jobName}.json`), JSON.stringify(record, null, 1));
  recordJob(state, o, p, o.jobName);
  const submitCommand = `kubectl apply -f ${sq(scriptPath)}`;
  const out = { scriptPath, script, shardFiles: p.shardFiles, mergeCommand: p.mergeCommand, submitCommand };
  if (o.dryRun ?? true) return { ...out, jobId: null };
  try {
    execFileSync('kubectl', ['apply', '-f', scriptPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new AppError('not_found', `kubectl is not installed here: run ${submitCommand} where it is.`);
    throw new AppError('bad_input', `${submitCommand} failed: ${(err.stderr ?? err.message).trim()}`);
  }
  return { ...out, jobId: o.jobName };
}
