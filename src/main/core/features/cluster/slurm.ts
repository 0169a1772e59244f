import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterJob, SubmitInput } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { shardProgress } from '../../platform/store/clusterRepo';
import { openShardFile } from '../../platform/store/shardRepo';
import { prepareSubmit, recordJob, shardName, sq, taskLines, type Prepared } from './tasks';

// cluster.submit / cluster.status with Slurm (docs/cluster.md): one array task per shard, each running the CLI with
// its --shard; the tasks read the project read-only and write shard files into shardDir; project.merge folds them in.

/** The record of a submitted job beside its shard files: slurm-<jobId>.json or k8s-<jobName>.json. */
export interface JobRecord {
  engine?: 'slurm' | 'kubernetes';
  jobId: string;
  command: ClusterJob['command'];
  count: number;
  shardDir: string;
  jobName: string;
  scriptPath: string;
  /** A resubmitted job runs only these tasks (0-based); the others are reported as NOT_IN_JOB. */
  tasks?: number[];
}

const execFileAsync = promisify(execFile);

/** A Slurm command's stdout. Asynchronous: an unreachable controller must not stall the backend (up to 30 s). */
async function slurm(cmd: string, args: string[]): Promise<string> {
  try {
    return (await execFileAsync(cmd, args, { encoding: 'utf8', timeout: 30_000 })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new AppError('not_found', `${cmd} is not installed here: this needs a Slurm cluster (docs/cluster.md).`);
    throw new AppError('bad_input', `${cmd} ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** The array script: every task runs the same CLI line with its own shard. */
export function arrayScript(o: SubmitInput, p: Prepared, repo: string): string {
  const n = o.shards;
  const lines = [
    '#!/usr/bin/env bash',
    `# Written by cluster.submit: ${o.command} in ${n} shards over ${p.project}. Merge when every task is done:`,
    `#   npm run cli -- project.merge --project ${p.project} --shards '[...the ${n} files ${p.dir}/${o.command}-*of${n}.nwbshard...]'`,
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=0-${n - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `#SBATCH --output="${p.dir}/${o.jobName}-%A_%a.out"`, // quoted: sbatch splits a directive at spaces
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...(o.gpusPerTask ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    'set -euo pipefail',
    `cd ${sq(repo)}`,
    ...taskLines(o, p, 'SLURM_ARRAY_TASK_ID'),
    '',
  ];
  return lines.join('\n');
}

export async function submit(state: BackendState, o: SubmitInput) {
  if (resolve(o.shardDir).includes('%'))
    throw new AppError(
      'bad_input',
      `shardDir ${resolve(o.shardDir)} holds %, which Slurm reads as a file-name pattern (%A, %j, ...) in the tasks' log path: choose a folder without %.`,
    );
  const p = await prepareSubmit(state, o);
  const script = arrayScript(o, p, process.cwd());
  const scriptPath = join(p.dir, `${o.jobName}.sbatch`);
  await writeFile(scriptPath, script, { mode: 0o755 });
  const out = { scriptPath, script, shardFiles: p.shardFiles, mergeCommand: p.mergeCommand, submitCommand: `sbatch ${sq(scriptPath)}` };
  if (o.dryRun) return { ...out, jobId: null };
  const jobId = (await slurm('sbatch', ['--parsable', scriptPath])).trim().split(';')[0];
  const record: JobRecord = {
    engine: 'slurm',
    jobId,
    command: o.command,
    count: o.shards,
    shardDir: p.dir,
    jobName: o.jobName,
    scriptPath,
  };
  await writeFile(join(p.dir, `slurm-${jobId}.json`), JSON.stringify(record, null, 1));
  recordJob(state, o, p, jobId);
  return { ...out, jobId };
}

/** Array task id -> state, from squeue (pending/running) and scontrol (finished tasks Slurm still remembers). */
export async function taskStates(jobId: string): Promise<Map<number, string>> {
  const states = new Map<number, string>();
  let ctl = '';
  try {
    ctl = await slurm('scontrol', ['show', 'job', jobId]);
  } catch {
    ctl = ''; // forgotten by slurmctld (MinJobAge): states come from squeue or stay UNKNOWN
  }
  for (const block of ctl.split(/\n\s*\n/)) {
    const task = /ArrayTaskId=(\d+)\b/.exec(block);
    const st = /JobState=(\S+)/.exec(block);
    if (task && st) states.set(Number(task[1]), st[1]);
  }
  let queue = '';
  try {
    queue = await slurm('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T']);
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') throw e;
    queue = ''; // squeue refuses a job id it no longer knows
  }
  for (const line of queue.split('\n')) {
    const [k, st] = line.trim().split('|');
    if (k && st && /^\d+$/.test(k)) states.set(Number(k), st);
  }
  return states;
}

const FAILED = new Set(['FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

/** The record cluster.submit wrote beside the shards: slurm-<jobId>.json, else k8s-<jobName>.json. */
export function recordOf(jobId: string, shardDir: string): JobRecord {
  const dir = resolve(shardDir);
  const file = [`slurm-${jobId}.json`, `k8s-${jobId}.json`].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file)
    throw new AppError(
      'not_found',
      `${join(dir, `slurm-${jobId}.json`)} does not exist (nor k8s-${jobId}.json): was job ${jobId} submitted with cluster.submit into ${shardDir}?`,
    );
  return JSON.parse(readFileSync(file, 'utf8')) as JobRecord;
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

/** Tasks (0-based) of a job to submit again: shard not complete, and not pending or running in Slurm. */
export async function resubmit(jobId: string, shardDir: string) {
  const m = recordOf(jobId, shardDir);
  if (m.engine === 'kubernetes')
    throw new AppError(
      'bad_input',
      `Job ${jobId} runs on Kubernetes: delete it and apply its manifest ${m.scriptPath} again (finished shards are kept and skipped).`,
    );
  const tasks = (await status(jobId, shardDir)).tasks.filter((t) => !t.shardComplete && !ACTIVE.has(t.state)).map((t) => t.index - 1);
  if (!tasks.length) return { jobId: null, tasks };
  // The command line's --array overrides the script's; each task keeps its shard (the script hard-codes the count).
  const newId = (await slurm('sbatch', ['--parsable', `--array=${tasks.join(',')}`, m.scriptPath])).trim().split(';')[0];
  writeFileSync(join(m.shardDir, `slurm-${newId}.json`), JSON.stringify({ ...m, jobId: newId, tasks }, null, 1));
  return { jobId: newId, tasks };
}

export async function status(jobId: string, shardDir: string) {
  const m = recordOf(jobId, shardDir);
  const engine = m.engine ?? 'slurm';
  // Kubernetes is not queried (kubectl is the user's): its tasks' states stay UNKNOWN and the shard files tell progress.
  const states = engine === 'slurm' ? await taskStates(jobId) : new Map<number, string>();
  const logs = readdirSync(m.shardDir);
  const tasks = Array.from({ length: m.count }, (_, k) => {
    const shardFile = join(m.shardDir, shardName(m.command, k + 1, m.count));
    let shardComplete = false;
    let progress: { done: number; total: number } | null = null;
    if (existsSync(shardFile)) {
      const { db, provenance } = openShardFile(shardFile, true);
      shardComplete = provenance?.complete === true;
      progress = provenance ? shardProgress(db, provenance) : null;
      db.close();
    }
    const state = m.tasks && !m.tasks.includes(k) ? 'NOT_IN_JOB' : (states.get(k) ?? 'UNKNOWN');
    const log = logs.find((f) => f === `${m.jobName}-${jobId}_${k}.out`);
    const logTail =
      FAILED.has(state.replace(/\+$/, '')) && log ? readFileSync(join(m.shardDir, log), 'utf8').split('\n').slice(-20).join('\n') : null;
    return { index: k + 1, state, shardFile, shardComplete, progress, logTail };
  });
  return { jobId, engine, tasks, done: tasks.every((t) => t.shardComplete) };
}
