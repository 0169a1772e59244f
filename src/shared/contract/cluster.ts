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

export const MergeOutput = z.object({
  kind: z.enum(['activations.extract', 'explain.run']),
  shards: z.number().int(),
  /** The activation set the shards were merged into (activations.extract), or the one explained (explain.run). */
  activationSetId: Id,
  /** The explanation run merged into (explain.run). */
  explainRunId: Id.optional(),
  seconds: z.number(),
});
export type MergeOutput = z.infer<typeof MergeOutput>;

export const clusterMethods = {
  'project.merge': method(
    'Fold the shard files of one sharded job into the open project, in one transaction, after checking that every shard 1..n is present once, complete and made with the same model, probe set, parameters and app version.',
    z.object({ shards: z.array(FilePath).min(1).max(4096) }),
    MergeOutput,
  ),
} as const;
