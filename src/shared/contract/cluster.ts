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
export const ShardableCommand = z.enum([
  'activations.extract',
  'explain.run',
  'ablation.run',
  'topimpact.run',
  'clipDissect.run',
  'dnd.run',
]);
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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A folder of the cluster that the pods see at `mountPath`: a PersistentVolumeClaim or a node's hostPath. */
export const KubernetesVolume = z
  .object({
    /** A PersistentVolumeClaim of the namespace (ReadWriteMany when tasks run on several nodes). */
    claimName: z.string().regex(DNS_LABEL, 'a Kubernetes name: lower-case letters, digits and -').optional(),
    /** A folder on every node (a shared file system mounted at the same place on each), for one-node or NFS clusters. */
    hostPath: z.string().startsWith('/', 'an absolute path').optional(),
    /** Where the pods see it: the project, its models and shardDir must lie under one volume's mountPath. */
    mountPath: z.string().startsWith('/', 'an absolute path'),
    readOnly: z.boolean().default(false),
  })
  .refine((v) => (v.claimName === undefined) !== (v.hostPath === undefined), { message: 'give claimName or hostPath (one of them)' });

export const KubernetesOptions = z.object({
  /** The container image with the repository at workingDir and `npm ci` done (docs/cluster.md: scripts/cluster/Dockerfile). */
  image: z.string().min(1).regex(/^\S+$/, 'an image reference without spaces'),
  namespace: z.string().regex(DNS_LABEL, 'a Kubernetes name: lower-case letters, digits and -').optional(),
  /** The repository inside the image (the tasks run `npm run cli` there). */
  workingDir: z.string().startsWith('/', 'an absolute path').default('/app'),
  volumes: z.array(KubernetesVolume).min(1).max(8),
  /** Memory request and limit of a task, a Kubernetes quantity (e.g. 8Gi). */
  memory: z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a quantity such as 8Gi')
    .optional(),
  /** Retries of a failed index before it counts as failed (the other indexes go on). */
  retriesPerShard: z.number().int().min(0).max(10).default(1),
});
export type KubernetesOptions = z.output<typeof KubernetesOptions>;

export const SubmitInput = z.object({
  /** slurm: a job array submitted with sbatch; kubernetes: an Indexed Job manifest (applied only with dryRun: false). */
  engine: z.enum(['slurm', 'kubernetes']).default('slurm'),
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
  /** Write the script or manifest without submitting it; default false for slurm, true for kubernetes (kubectl is called only with dryRun: false). */
  dryRun: z.boolean().optional(),
  /** Required with engine kubernetes: image, volumes, namespace, memory. */
  kubernetes: KubernetesOptions.optional(),
});
export type SubmitInput = z.output<typeof SubmitInput>;

export const SubmitOutput = z.object({
  /** The sbatch script, or the Job manifest (JSON, which kubectl reads as it reads YAML). */
  scriptPath: z.string(),
  script: z.string(),
  /** The Slurm job id, or the Kubernetes Job's name (null on a dry run: nothing was submitted). */
  jobId: z.string().nullable(),
  /** What submits it: `sbatch <script>` or `kubectl apply -f <manifest>` (run it yourself after a dry run). */
  submitCommand: z.string(),
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
  /** Units (images or neurons) the shard file holds of its range; null before the task made its shard file. */
  progress: z.object({ done: z.number(), total: z.number() }).nullable(),
  logTail: z.string().nullable(),
});

/** A job cluster.submit wrote into the project's list (the Jobs screen follows these). */
export const ClusterJob = z.object({
  engine: z.enum(['slurm', 'kubernetes']),
  /** The Slurm job id, or the Kubernetes Job's name. */
  jobId: z.string(),
  command: ShardableCommand,
  shards: z.number().int(),
  shardDir: z.string(),
  submittedAt: z.string(),
  /** Set once project.merge folded its shards in from the Jobs screen. */
  merged: z.boolean(),
});
export type ClusterJob = z.infer<typeof ClusterJob>;

const JobRef = z.object({
  jobId: z.string().regex(/^([0-9]+|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/, 'a Slurm job id or a Kubernetes Job name'),
  shardDir: FilePath,
});

export const clusterMethods = {
  'cluster.submit': method(
    'Write a Slurm job array (submitted with sbatch) or a Kubernetes Indexed Job manifest (applied with kubectl only with --dryRun false) for a sharded command: one task per shard, each writing its shard file.',
    SubmitInput,
    SubmitOutput,
  ),
  'cluster.status': method(
    'State of each task of a submitted job (Slurm: squeue / scontrol; Kubernetes: not queried, UNKNOWN) and how much of its shard file is written, with the log tail of failed tasks. With merge: true, once every shard file is complete, their project.merge runs (once per job).',
    JobRef.extend({
      /** Merge the shards into the open project when every one is complete (nothing happens before; a merged job is not merged again). */
      merge: z.boolean().default(false),
    }),
    z.object({
      jobId: z.string(),
      engine: z.enum(['slurm', 'kubernetes']),
      tasks: z.array(TaskState),
      done: z.boolean(),
      /** What the merge this call ran did (merge: true and done); absent otherwise. */
      merged: MergeOutput.optional(),
    }),
  ),
  'cluster.jobs': method(
    'The cluster jobs submitted from this project (newest first), for the Jobs screen.',
    z.object({}),
    z.array(ClusterJob),
  ),
  'cluster.resubmit': method(
    'Submit again, as a new array job of the same script, the tasks of a job whose shard file is not complete and that are not pending or running (failed, cancelled, forgotten).',
    JobRef,
    z.object({ jobId: z.string().nullable(), tasks: z.array(z.number().int()) }),
  ),
  'project.merge': method(
    'Fold the shard files of one sharded job into the open project, in one transaction, after checking that every shard 1..n is present once, complete and made with the same model, probe set, parameters and app version.',
    z.object({ shards: z.array(FilePath).min(1).max(4096) }),
    MergeOutput,
  ),
} as const;
