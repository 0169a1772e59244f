import { existsSync } from 'node:fs';
import type { ShardableCommand, ShardInfo, ShardSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { ProjectHandle } from '../context';
import type { Db } from '../store/open';
import { copyRow, copyRunRow, createShardFile, openShardFile, writeProvenance } from '../store/shardRepo';
import { APP_VERSION } from '../version';

// The shard side shared by every shardable job (docs/cluster.md): which range shard i/n computes, the provenance
// it records, and opening its shard file (new, or the same shard of the same job to resume).

export const SHARD_FORMAT = 'nwb-shard/1';

/** What identifies a sharded job: every shard of one job has the same values (merge compares them). */
export interface ShardIdentity {
  kind: ShardableCommand;
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

/** Project rows a shard's rows point at, copied into the shard file so it can be inspected alone: [table, id]. */
export type ShardCopies = readonly (readonly [table: string, id: number])[];

/** Where a neuron job writes: the project, or the shard file of its contiguous part of the job's neuron list. */
export interface NeuronShardOutput {
  /** The handle the job runs on (the project, or the shard file; the project is then only read). */
  out: ProjectHandle;
  range: { from: number; to: number };
  /** The neurons this process computes. */
  mine: number[];
  /** Await the job; on a shard also mark the file complete, close it and add the ShardInfo. */
  finish<R extends object>(result: Promise<R>): Promise<R & { shard?: ShardInfo }>;
}

/**
 * The output of a per-neuron job (LE, ablation, Top Impact) with `--shard`: neurons [from, to) of the sorted list,
 * into a shard file whose provenance says which job (`identity`) and which part; `copies` go in with it.
 */
export async function neuronShardOutput(
  project: ProjectHandle,
  shard: ShardSpec | undefined,
  neurons: readonly number[],
  identity: () => Omit<ShardIdentity, 'axis'>,
  copies: () => ShardCopies,
  extra?: (out: Db) => void,
): Promise<NeuronShardOutput> {
  if (!shard) return { out: project, range: { from: 0, to: neurons.length }, mine: [...neurons], finish: (r) => r };
  const range = shardRange(neurons.length, shard.index, shard.count);
  const db = await openShardForWrite(shard, { ...identity(), axis: 'neurons', index: shard.index, count: shard.count, ...range });
  try {
    db.transaction(() => {
      for (const [t, id] of copies()) copyRow(project.db, db, t, id);
      extra?.(db);
    })();
  } catch (e) {
    db.close();
    throw e;
  }
  return {
    out: { ...project, db, path: shard.path, readOnly: false },
    range,
    mine: neurons.slice(range.from, range.to),
    finish: async (result) => {
      try {
        const r = await result;
        writeProvenance(db, { complete: true });
        return { ...r, shard: shardInfo(shard, 'neurons', range, true) };
      } finally {
        db.close();
      }
    },
  };
}

export interface OpenShard {
  path: string;
  db: Db;
  prov: ShardProvenance;
}

/** How one method's keyed neuron run is folded from its shards into the project (project.merge). */
export interface NeuronRunMerge {
  /** What refusals call the run ("explanation run", "ablation run"). */
  what: string;
  /** The project's run of this job, if it has one (merging twice is refused). */
  existing(): { id: number; complete: boolean } | null;
  /** The shard's runs of this job (exactly one is expected): id and provenance row. */
  shardRuns(shard: Db): { id: number; runId: number | null }[];
  /** The project's new run row, from the first shard's (`shardRunId`), pointing at provenance `runId`. */
  create(first: Db, shardRunId: number, runId: number | null): number;
  /** One shard's per-neuron rows into run `id`; returns how many neurons the shard finished. */
  copy(shard: OpenShard, shardRunId: number, id: number, runId: number | null): number;
  complete(id: number): void;
  /** The shard table refusals name for a short shard (explain_neurons, ablation_neurons). */
  rowsTable: string;
}

/**
 * Inside the caller's transaction: one run in the project holding every shard's per-neuron rows unchanged. Each
 * shard's neuron count is checked against its range after its rows are written (a short shard rolls all back).
 */
export function mergeNeuronRuns(db: Db, shards: OpenShard[], m: NeuronRunMerge): number {
  const have = m.existing();
  if (have)
    throw new AppError(
      'bad_input',
      `The project already has this ${m.what} (id ${have.id}, ${have.complete ? 'complete' : 'unfinished'}): nothing to merge.`,
      { runId: have.id },
    );
  const runs = shards.map((s) => {
    const r = m.shardRuns(s.db);
    if (r.length !== 1)
      throw new AppError('bad_input', `Shard ${s.path}: holds ${r.length} runs of the job, not 1.`, { path: s.path, field: m.rowsTable });
    return r[0];
  });
  const runId = runs[0].runId === null ? null : copyRunRow(shards[0].db, db, runs[0].runId);
  const id = m.create(shards[0].db, runs[0].id, runId);
  shards.forEach((s, i) => {
    const n = m.copy(s, runs[i].id, id, runId);
    const want = s.prov.to - s.prov.from;
    if (n !== want)
      throw new AppError('bad_input', `Shard ${s.path}: holds ${n} of its ${want} neurons: run its task again, then merge.`, {
        path: s.path,
        field: m.rowsTable,
      });
  });
  m.complete(id);
  return id;
}
