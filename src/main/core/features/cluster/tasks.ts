import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { contract, ExplainParamsSchema, type SubmitInput } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { formatIssues, pathText } from '../../../../shared/inputErrors';
import type { BackendState } from '../../platform/context';
import { addClusterJob } from '../../platform/store/clusterRepo';
import { prepareExplainShards } from '../explanations';
import { prepareAblationShards } from '../ablation';
import { prepareClipDissectShards, prepareDndShards } from '../dissect';

// What every engine's task needs (docs/cluster.md): the checked command input, the shard file names, and the shell
// lines a task runs: shard index = the engine's 0-based task index + 1, then the CLI with that --shard.

// Quotes, backslash, $ and every control character (newline, tab, ...): none can ride in a task line as is.
// eslint-disable-next-line no-control-regex
const UNSAFE = /["'\\$`\x00-\x1f\x7f]/;
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
export const shardName = (command: string, i: number, n: number) => `${command}-${i}of${n}.nwbshard`;

export interface Prepared {
  /** The project, absolute. */
  project: string;
  /** shardDir, absolute (created). */
  dir: string;
  inputJson: string;
  shardFiles: string[];
  mergeCommand: string;
  /** dnd.run: this app's data folder (the describer library), absolute; else null. */
  dataDir: string | null;
}

/**
 * Check the submission (paths a script can carry, the command's own input schema, then the engine's own `check` of
 * the paths) and only then store what the shards read (which can take minutes: embeddings).
 */
export async function prepareSubmit(
  state: BackendState,
  o: SubmitInput,
  check?: (paths: Pick<Prepared, 'project' | 'dir' | 'dataDir'>) => void,
): Promise<Prepared> {
  const handle = state.requireProject();
  if ('shard' in o.input) throw new AppError('bad_input', 'input must not hold shard: cluster.submit gives each task its own.');
  for (const [what, v] of [
    ['shardDir', o.shardDir],
    ['the project path', handle.path],
    ['the repository path', process.cwd()],
    ...(o.command === 'dnd.run' ? [['the data folder', state.opts.userDataDir] as const] : []),
  ] as const)
    if (UNSAFE.test(v))
      throw new AppError(
        'bad_input',
        `${what} ${v} holds a quote, backslash, $ or a control character (newline, tab): the task script cannot carry it safely.`,
      );
  const def = contract[o.command].input;
  const parsed = def.safeParse(o.input, { reportInput: true });
  if (!parsed.success) {
    const issues = formatIssues(parsed.error, def, o.input, (path) => `input.${pathText(path)}`, 'label');
    throw new AppError('bad_input', `${o.command} input is not valid: ${issues.join('; ')}`);
  }
  const dir = resolve(o.shardDir);
  const project = resolve(handle.path);
  // DnD tasks look their models up by id in the describer library: the one of the app that submits (the GUI's data
  // folder is not the CLI's default), so the task names it rather than using whatever NWB_DATA_DIR the node has.
  const dataDir = o.command === 'dnd.run' ? resolve(state.opts.userDataDir) : null;
  check?.({ project, dir, dataDir });
  // LE shards read the project only: store what the single run would store first (split, label concept set or embeddings).
  if (o.command === 'explain.run') await prepareExplainShards(handle.db, ExplainParamsSchema.parse(o.input));
  // Ablation / Top Impact: the split and the fitted temperature; CLIP-Dissect: the split and the embeddings.
  if (o.command === 'ablation.run' || o.command === 'topimpact.run') await prepareAblationShards(handle.db, o.command, o.input);
  if (o.command === 'clipDissect.run') await prepareClipDissectShards(handle.db, o.input);
  if (o.command === 'dnd.run') prepareDndShards(handle.db, o.input);
  await mkdir(dir, { recursive: true });
  const shardFiles = Array.from({ length: o.shards }, (_, k) => join(dir, shardName(o.command, k + 1, o.shards)));
  const mergeCommand = `npm run cli -- project.merge --project ${sq(project)} --shards ${sq(JSON.stringify(shardFiles))}`;
  return { project, dir, inputJson: JSON.stringify(o.input), shardFiles, mergeCommand, dataDir };
}

/** The lines a task runs in the repository: `indexVar` is the engine's 0-based task index variable. */
export function taskLines(o: { command: string; shards: number }, p: Prepared, indexVar: string): string[] {
  const n = o.shards;
  return [
    `i=$((${indexVar} + 1))`,
    `shard='{"index":'$i',"count":${n},"path":"${p.dir}/${o.command}-'$i'of${n}.nwbshard"}'`,
    ...(p.dataDir ? [`export NWB_DATA_DIR=${sq(p.dataDir)}`] : []),
    `exec npm run -s cli -- ${o.command} --project ${sq(p.project)} --readOnly --json ${sq(p.inputJson)} --shard "$shard"`,
  ];
}

/** Record a submitted (or written, for Kubernetes) job in the project for the Jobs screen. */
export function recordJob(state: BackendState, o: SubmitInput, p: Prepared, jobId: string): void {
  addClusterJob(state.requireProject().db, {
    engine: o.engine,
    jobId,
    command: o.command,
    shards: o.shards,
    shardDir: p.dir,
    submittedAt: new Date().toISOString(),
    merged: false,
  });
}
