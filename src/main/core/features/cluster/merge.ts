import { basename } from 'node:path';
import type { MergeOutput, ShardableCommand } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { SHARED_FIELDS, type OpenShard, type ShardProvenance } from '../../platform/jobs/shards';
import type { Db } from '../../platform/store/open';
import { openShardFile, projectIdentity } from '../../platform/store/shardRepo';
import { activationSetModelId as projectSetModel } from '../../platform/store/activationRepo';
import { mergeExtractShards } from '../models';
import { mergeExplainShards } from '../explanations';
import { mergeAblationShards } from '../ablation';
import { mergeClipDissectShards, mergeDndShards } from '../dissect';

// project.merge: every check first (each shard file alone, the shards against each other, against the project),
// then the rows of all shards in ONE transaction of the project: a refusal or a kill mid-way leaves it as it was.

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function refuse(path: string, field: string, message: string): never {
  throw new AppError('bad_input', `Shard ${path}: ${message}`, { path, field });
}

/** The first differing path of two JSON values ("params.chunkRows"), with both values; null when equal. */
function firstDiff(a: unknown, b: unknown, path: string): { path: string; a: unknown; b: unknown } | null {
  if (show(a) === show(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const d = firstDiff(ra[k], rb[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return { path, a, b };
}

/** The shards in index order, after every check that needs no project rows. */
export function checkShards(shards: OpenShard[]): OpenShard[] {
  const first = shards[0];
  for (const s of shards.slice(1)) {
    for (const f of SHARED_FIELDS) {
      const d = firstDiff(s.prov[f], first.prov[f], f);
      if (d)
        refuse(s.path, d.path, `${d.path} is ${show(d.a)}, but ${basename(first.path)} has ${show(d.b)}: not a shard of the same job.`);
    }
  }
  const n = first.prov.count;
  const byIndex = new Map<number, OpenShard>();
  for (const s of shards) {
    const other = byIndex.get(s.prov.index);
    if (other) refuse(s.path, 'index', `shard ${s.prov.index}/${n} is given twice (also ${other.path}).`);
    byIndex.set(s.prov.index, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new AppError(
      'bad_input',
      `Shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} of the job missing: give all ${n} shard files.`,
      {
        field: 'index',
        missing,
      },
    );
  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
  let at = 0;
  for (const s of ordered) {
    if (s.prov.from !== at)
      refuse(
        s.path,
        'from',
        `its range starts at ${s.prov.from}, but the previous shard ends at ${at} (${s.prov.from < at ? 'overlap' : 'gap'}).`,
      );
    at = s.prov.to;
    if (!s.prov.complete)
      refuse(s.path, 'complete', `shard ${s.prov.index}/${n} is not complete: run its task again (it resumes), then merge.`);
  }
  return ordered;
}

/** Each shardable command's fold of its checked shards into the project (inside the merge's one transaction). */
const MERGERS: Record<ShardableCommand, (db: Db, shards: OpenShard[]) => Omit<MergeOutput, 'kind' | 'shards' | 'seconds'>> = {
  'activations.extract': (db, shards) => ({ activationSetId: mergeExtractShards(db, shards) }),
  'explain.run': mergeExplainShards,
  'ablation.run': mergeAblationShards,
  'topimpact.run': mergeAblationShards,
  'clipDissect.run': mergeClipDissectShards,
  'dnd.run': mergeDndShards,
};

export function mergeShards(state: BackendState, paths: string[]): MergeOutput {
  const project = state.requireProject();
  if (project.readOnly) throw new AppError('read_only', 'The project is open read-only: open it normally to merge shards into it.');
  const t0 = performance.now();
  const open: OpenShard[] = [];
  try {
    for (const path of paths) {
      const { db, provenance } = openShardFile(path, true);
      open.push({ path, db, prov: provenance as unknown as ShardProvenance });
      if (!provenance) refuse(path, 'shard_provenance', 'not a shard file (it has no shard_provenance).');
    }
    const shards = checkShards(open);
    const prov = shards[0].prov;
    const mine = projectIdentity(project.db, prov.ids.modelId, prov.ids.probeSetId);
    // explain.run shards also name the activation set they explained: it must be the project's same set.
    if (prov.ids.activationSetId !== undefined && projectSetModel(project.db, prov.ids.activationSetId) !== prov.ids.modelId)
      refuse(
        shards[0].path,
        'ids.activationSetId',
        `activation set ${prov.ids.activationSetId} is not in the project (of model ${prov.ids.modelId}).`,
      );
    if (mine.modelSha !== prov.modelSha)
      refuse(
        shards[0].path,
        'modelSha',
        `modelSha is ${prov.modelSha}, but the project's model ${prov.ids.modelId} has ${mine.modelSha ?? 'no such model'}.`,
      );
    if (mine.manifestHash !== prov.manifestHash)
      refuse(
        shards[0].path,
        'manifestHash',
        `manifestHash is ${prov.manifestHash}, but the project's probe set ${prov.ids.probeSetId} has ${mine.manifestHash ?? 'no such probe set'}.`,
      );
    const merge = MERGERS[prov.kind];
    const r = project.db.transaction(() => merge(project.db, shards))();
    return { kind: prov.kind, shards: shards.length, ...r, seconds: (performance.now() - t0) / 1000 };
  } finally {
    for (const s of open) s.db.close();
  }
}
