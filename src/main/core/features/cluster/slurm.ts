import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { contract, ExplainParamsSchema, type SubmitInput } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { formatIssues, pathText } from '../../../../shared/inputErrors';
import type { BackendState } from '../../platform/context';
import { openShardFile } from '../../platform/store/shardRepo';
import { prepareExplainShards } from '../explanations';

// cluster.submit / cluster.status with Slurm (docs/cluster.md): one array task per shard, each running the CLI with
// its --shard; the tasks read the project read-only and write shard files into shardDir; project.merge folds them in.

const UNSAFE = /["'\\$`\n\r]/;
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const shardName = (command: string, i: number, n: number) => `${command}-${i}of${n}.nwbshard`;

interface Manifest {
  jobId: string;
  command: string;
  count: number;
  shardDir: string;
  jobName: string;
  scriptPath: string;
  /** A resubmitted job runs only these tasks (0-based); the others are reported as NOT_IN_JOB. */
  tasks?: number[];
}

function slurm(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new AppError('not_found', `${cmd} is not installed here: this needs a Slurm cluster (docs/cluster.md).`);
    throw new AppError('bad_input', `${cmd} ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** The array script: every task runs the same CLI line with its own shard. */
export function arrayScript(o: SubmitInput & { project: string; repo: string; inputJson: string }): string {
  const dir = resolve(o.shardDir);
  const n = o.shards;
  const lines = [
    '#!/usr/bin/env bash',
    `# Written by cluster.submit: ${o.command} in ${n} shards over ${o.project}. Merge when every task is done:`,
    `#   npm run cli -- project.merge --project ${o.project} --shards '[...the ${n} files ${dir}/${o.command}-*of${n}.nwbshard...]'`,
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=0-${n - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    `#SBATCH --output=${dir}/${o.jobName}-%A_%a.out`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...(o.gpusPerTask ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    'set -euo pipefail',
    `cd ${sq(o.repo)}`,
    'i=$((SLURM_ARRAY_TASK_ID + 1))',
    `shard='{"index":'$i',"count":${n},"path":"${dir}/${o.command}-'$i'of${n}.nwbshard"}'`,
    `exec npm run -s cli -- ${o.command} --project ${sq(o.project)} --readOnly --json ${sq(o.inputJson)} --shard "$shard"`,
    '',
  ];
  return lines.join('\n');
}

export async function submit(state: BackendState, o: SubmitInput) {
  const project = state.requireProject();
  if ('shard' in o.input) throw new AppError('bad_input', 'input must not hold shard: cluster.submit gives each task its own.');
  for (const [what, v] of [
    ['shardDir', o.shardDir],
    ['the project path', project.path],
    ['the repository path', process.cwd()],
  ] as const)
    if (UNSAFE.test(v))
      throw new AppError('bad_input', `${what} ${v} holds a quote, backslash, $ or newline: the array script cannot carry it safely.`);
  const def = contract[o.command].input;
  const parsed = def.safeParse(o.input, { reportInput: true });
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, def, o.input, (path) => `input.${pathText(path)}`, 'label');
    throw new AppError('bad_input', `${o.command} input is not valid: ${issues.join('; ')}`);
  }
  // LE shards read the project only: store what the single run would store first (split, label concept set).
  if (o.command === 'explain.run') prepareExplainShards(project.db, ExplainParamsSchema.parse(o.input));
  const dir = resolve(o.shardDir);
  await mkdir(dir, { recursive: true });
  const script = arrayScript({ ...o, project: resolve(project.path), repo: process.cwd(), inputJson: JSON.stringify(o.input) });
  const scriptPath = join(dir, `${o.jobName}.sbatch`);
  await writeFile(scriptPath, script, { mode: 0o755 });
  const shardFiles = Array.from({ length: o.shards }, (_, k) => join(dir, shardName(o.command, k + 1, o.shards)));
  const mergeCommand = `npm run cli -- project.merge --project ${sq(resolve(project.path))} --shards ${sq(JSON.stringify(shardFiles))}`;
  if (o.dryRun) return { scriptPath, script, jobId: null, shardFiles, mergeCommand };
  const jobId = slurm('sbatch', ['--parsable', scriptPath]).trim().split(';')[0];
  const manifest: Manifest = { jobId, command: o.command, count: o.shards, shardDir: dir, jobName: o.jobName, scriptPath };
  await writeFile(join(dir, `slurm-${jobId}.json`), JSON.stringify(manifest, null, 1));
  return { scriptPath, script, jobId, shardFiles, mergeCommand };
}

/** Array task id -> state, from squeue (pending/running) and scontrol (finished tasks Slurm still remembers). */
export function taskStates(jobId: string): Map<number, string> {
  const states = new Map<number, string>();
  let ctl = '';
  try {
    ctl = slurm('scontrol', ['show', 'job', jobId]);
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
    queue = slurm('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T']);
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

function manifestOf(jobId: string, shardDir: string): Manifest {
  const file = join(resolve(shardDir), `slurm-${jobId}.json`);
  if (!existsSync(file))
    throw new AppError('not_found', `${file} does not exist: was job ${jobId} submitted with cluster.submit into ${shardDir}?`);
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

/** Tasks (0-based) of a job to submit again: shard not complete, and not pending or running in Slurm. */
export function resubmit(jobId: string, shardDir: string) {
  const m = manifestOf(jobId, shardDir);
  const tasks = status(jobId, shardDir)
    .tasks.filter((t) => !t.shardComplete && !ACTIVE.has(t.state))
    .map((t) => t.index - 1);
  if (!tasks.length) return { jobId: null, tasks };
  // The command line's --array overrides the script's; each task keeps its shard (the script hard-codes the count).
  const newId = slurm('sbatch', ['--parsable', `--array=${tasks.join(',')}`, m.scriptPath])
    .trim()
    .split(';')[0];
  writeFileSync(join(m.shardDir, `slurm-${newId}.json`), JSON.stringify({ ...m, jobId: newId, tasks }, null, 1));
  return { jobId: newId, tasks };
}

export function status(jobId: string, shardDir: string) {
  const m = manifestOf(jobId, shardDir);
  const states = taskStates(jobId);
  const logs = readdirSync(m.shardDir);
  const tasks = Array.from({ length: m.count }, (_, k) => {
    const shardFile = join(m.shardDir, shardName(m.command, k + 1, m.count));
    let shardComplete = false;
    if (existsSync(shardFile)) {
      const { db, provenance } = openShardFile(shardFile, true);
      shardComplete = provenance?.complete === true;
      db.close();
    }
    const state = m.tasks && !m.tasks.includes(k) ? 'NOT_IN_JOB' : (states.get(k) ?? 'UNKNOWN');
    const log = logs.find((f) => f === `${m.jobName}-${jobId}_${k}.out`);
    const logTail =
      FAILED.has(state.replace(/\+$/, '')) && log ? readFileSync(join(m.shardDir, log), 'utf8').split('\n').slice(-20).join('\n') : null;
    return { index: k + 1, state, shardFile, shardComplete, logTail };
  });
  return { jobId, tasks, done: tasks.every((t) => t.shardComplete) };
}
