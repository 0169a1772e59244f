import { z } from 'zod';
import { method } from '../define';
import { FilePath, Id } from './schemas';

// Sharded runs and their merge (docs/cluster.md): a long job split into n shards, each writing a shard file
// (project schema + shard_provenance) instead of the project, folded back by project.merge in one transaction.

/** `--shard i/n`: this process computes shard `index` of `count` (1-based) and writes it to `path`. */
export const ShardSpec = z
  .object({
    index: z.number().int().min(1),
    count: z.number().int().min(1).max(4096),
    /** The shard file (SQLite, project schema); created, or resumed when it holds the same shard of the same job. */
    path: FilePath,
  })
  .refine((s) => s.index <= s.count, { message: 'index must be between 1 and count', path: ['index'] });
export type ShardSpec = z.infer<typeof ShardSpec>;

export const ShardInfo = z.object({
  path: z.string(),
  index: z.number().int(),
  count: z.number().int(),
  axis: z.enum(['images', 'neurons']),
  /** The half-open range [from, to) of image rows or of positions in the job's neuron list. */
  from: z.number().int(),
  to: z.number().int(),
  complete: z.boolean(),
});
export type ShardInfo = z.infer<typeof ShardInfo>;

/** Commands that take `shard` (activations.extract by images, the others by neurons) and that cluster.submit runs. */
export const ShardableCommand = z.enum(['activations.extract', 'explain.run', 'ablation.run', 'topimpact.run']);
export type ShardableCommand = z.infer<typeof ShardableCommand>;

export const MergeOutput = z.object({
  kind: ShardableCommand,
  shards: z.number().int(),
  /** The activation set the shards were merged into (activations.extract), or the one the neuron job read. */
  activationSetId: Id,
  /** The explanation run merged into (explain.run), or the one scored (ablation.run). */
  explainRunId: Id.optional(),
  /** The ablation or Top Impact run merged into (ablation.run, topimpact.run). */
  ablationRunId: Id.optional(),
  seconds: z.number(),
});
export type MergeOutput = z.infer<typeof MergeOutput>;

export const SubmitInput = z.object({
  engine: z.enum(['slurm']).default('slurm'),
  /** The command each task runs, with its input (without shard): checked by the contract before anything is submitted. */
  command: ShardableCommand,
  input: z.record(z.string(), z.unknown()),
  shards: z.number().int().min(1).max(4096),
  /** Where the tasks write their shard files (and the array script and task logs); a folder every node can reach. */
  shardDir: FilePath,
  jobName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
    .default('nwb'),
  partition: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
    .optional(),
  cpusPerTask: z.number().int().min(1).max(256).default(1),
  /** One GPU per task (sbatch --gpus-per-task); onnxruntime sees the GPU Slurm pins through CUDA_VISIBLE_DEVICES. */
  gpusPerTask: z.number().int().min(1).max(16).optional(),
  /** At most this many tasks at once (sbatch --array=0-N%max). */
  maxParallel: z.number().int().min(1).max(4096).optional(),
  /** Write the script and say what would be submitted, without calling sbatch. */
  dryRun: z.boolean().default(false),
});
export type SubmitInput = z.output<typeof SubmitInput>;

export const SubmitOutput = z.object({
  scriptPath: z.string(),
  script: z.string(),
  /** The Slurm job id (null on a dry run). */
  jobId: z.string().nullable(),
  shardFiles: z.array(z.string()),
  /** The CLI line that merges the shards when every task is done. */
  mergeCommand: z.string(),
});

export const TaskState = z.object({
  index: z.number().int(),
  /** Slurm's state (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ...) or UNKNOWN once Slurm forgot the task. */
  state: z.string(),
  shardFile: z.string(),
  /** The shard file says it is complete. */
  shardComplete: z.boolean(),
  logTail: z.string().nullable(),
});

export const clusterMethods = {
  'cluster.submit': method(
    'Write a Slurm job array for a sharded command (one task per shard, each writing its shard file) and submit it with sbatch.',
    SubmitInput,
    SubmitOutput,
  ),
  'cluster.status': method(
    'State of each task of a submitted array (squeue / scontrol) and whether its shard file is complete, with the log tail of failed tasks.',
    z.object({ jobId: z.string().regex(/^[0-9]+$/, 'a Slurm job id'), shardDir: FilePath }),
    z.object({ jobId: z.string(), tasks: z.array(TaskState), done: z.boolean() }),
  ),
  'cluster.resubmit': method(
    'Submit again, as a new array job of the same script, the tasks of a job whose shard file is not complete and that are not pending or running (failed, cancelled, forgotten).',
    z.object({ jobId: z.string().regex(/^[0-9]+$/, 'a Slurm job id'), shardDir: FilePath }),
    z.object({ jobId: z.string().nullable(), tasks: z.array(z.number().int()) }),
  ),
  'project.merge': method(
    'Fold the shard files of one sharded job into the open project, in one transaction, after checking that every shard 1..n is present once, complete and made with the same model, probe set, parameters and app version.',
    z.object({ shards: z.array(FilePath).min(1).max(4096) }),
    MergeOutput,
  ),
} as const;
