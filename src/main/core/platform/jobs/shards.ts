import { existsSync } from 'node:fs';
import type { ShardInfo, ShardSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { Db } from '../store/open';
import { createShardFile, openShardFile, writeProvenance } from '../store/shardRepo';
import { APP_VERSION } from '../version';

// The shard side shared by every shardable job (docs/cluster.md): which range shard i/n computes, the provenance
// it records, and opening its shard file (new, or the same shard of the same job to resume).

export const SHARD_FORMAT = 'nwb-shard/1';

/** What identifies a sharded job: every shard of one job has the same values (merge compares them). */
export interface ShardIdentity {
  kind: 'activations.extract' | 'explain.run';
  axis: 'images' | 'neurons';
  modelSha: string;
  manifestHash: string | null;
  /** Everything that changes results (compared as canonical JSON). */
  params: Record<string, unknown>;
  seeds: Record<string, number>;
  /** The project's ids the shard's rows refer to (merge checks the project still has them with these hashes). */
  ids: Record<string, number>;
}

export interface ShardProvenance extends ShardIdentity {
  format: string;
  appVersion: string;
  index: number;
  count: number;
  /** Half-open range of units (images, or positions in the neuron list) this shard computes. */
  from: number;
  to: number;
  complete: boolean;
}

/** Fields that must be equal across the shards of one job, in the order a refusal names them. */
export const SHARED_FIELDS = [
  'format',
  'kind',
  'axis',
  'count',
  'modelSha',
  'manifestHash',
  'params',
  'seeds',
  'appVersion',
  'ids',
] as const;

/** Contiguous ranges of `units` for shard index/count (1-based): sizes differ by at most one, in order. */
export function shardRange(units: number, index: number, count: number): { from: number; to: number } {
  return { from: Math.floor(((index - 1) * units) / count), to: Math.floor((index * units) / count) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Open the shard file of `spec` for writing: a new file, or one written before by the same shard of the same job
 * (a resume). Anything else is refused naming the file and the first field that differs.
 */
export async function openShardForWrite(spec: ShardSpec, prov: Omit<ShardProvenance, 'format' | 'appVersion' | 'complete'>): Promise<Db> {
  const full: ShardProvenance = { ...prov, format: SHARD_FORMAT, appVersion: APP_VERSION, complete: false };
  if (existsSync(spec.path)) {
    const { db, provenance } = openShardFile(spec.path, false);
    const field = provenance
      ? [...SHARED_FIELDS, 'index', 'from', 'to'].find((f) => !same(provenance[f], full[f as keyof ShardProvenance]))
      : 'shard_provenance';
    if (field) {
      db.close();
      throw new AppError(
        'file_exists',
        `${spec.path} already exists and is not shard ${spec.index}/${spec.count} of this job (${field} differs). Choose a new shard file, or delete it.`,
        { path: spec.path, field },
      );
    }
    return db;
  }
  const db = await createShardFile(spec.path, { appVersion: APP_VERSION });
  writeProvenance(db, full as unknown as Record<string, unknown>);
  return db;
}

export function shardInfo(spec: ShardSpec, axis: 'images' | 'neurons', range: { from: number; to: number }, complete: boolean): ShardInfo {
  return { path: spec.path, index: spec.index, count: spec.count, axis, ...range, complete };
}
