import type { ExtractParams, ShardInfo, ShardSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import type { CallContext } from '../../../../shared/define';
import { openShardForWrite, shardInfo, shardRange, type OpenShard } from '../../platform/jobs/shards';
import * as acts from '../../platform/store/activationRepo';
import type { Db } from '../../platform/store/open';
import { copyRow, writeProvenance } from '../../platform/store/shardRepo';
import { extractActivations, extractionKey, writeStats, type ExtractResult } from './extract';
import { sessionsOf } from './extractJob';

// activations.extract --shard i/n: the chunks of a contiguous, chunk-aligned range of images (in image-id order)
// written to a shard file; the project is only read. Chunk boundaries are the single run's, so each chunk is the
// same bytes as the single run's chunk. project.merge folds the shards back (mergeExtractShards).

export async function runExtractShard(
  state: BackendState,
  p: ExtractParams & { shard: ShardSpec },
  ctx: CallContext,
): Promise<ExtractResult & { shard: ShardInfo }> {
  const { db } = state.requireProject();
  const k = extractionKey(db, p);
  const n = k.probe.paths.length;
  const chunks = Math.ceil(n / k.chunkRows);
  const c = shardRange(chunks, p.shard.index, p.shard.count);
  const range = { from: Math.min(n, c.from * k.chunkRows), to: Math.min(n, c.to * k.chunkRows) };
  const out = await openShardForWrite(p.shard, {
    kind: 'activations.extract',
    axis: 'images',
    modelSha: k.model.sha256,
    manifestHash: k.probe.manifestHash,
    params: { layer: p.layer, summary: k.key.summary, ...(JSON.parse(k.key.paramsJson) as object) },
    seeds: {},
    ids: { modelId: k.model.id, layerId: k.layer.id, probeSetId: p.probeSetId },
    index: p.shard.index,
    count: p.shard.count,
    ...range,
  });
  try {
    out.transaction(() => {
      copyRow(db, out, 'models', k.model.id);
      copyRow(db, out, 'layers', k.layer.id);
      copyRow(db, out, 'probe_sets', p.probeSetId);
    })();
    const r = await extractActivations(
      {
        db,
        sessions: sessionsOf(state),
        signal: ctx.signal,
        progress: (pr) => ctx.progress({ done: pr.done, total: pr.total, message: pr.message, etaSeconds: pr.etaSeconds }),
        shard: { db: out, fromChunk: c.from, toChunk: c.to },
      },
      p,
    );
    writeProvenance(out, { complete: true });
    return { ...r, shard: shardInfo(p.shard, 'images', range, true) };
  } finally {
    out.close();
  }
}

/**
 * Inside the caller's transaction: the shards' chunks into the project's set of the same key (created if absent),
 * then stats and completion over all rows, exactly as a single run finishes. Shards are checked by the caller.
 */
export function mergeExtractShards(db: Db, shards: OpenShard[]): number {
  // A shard file holds the one set of its job; its params_json is the key the single run would have.
  const sets = acts.listSets(shards[0].db, {});
  if (sets.length !== 1)
    throw new AppError('bad_input', `${shards[0].path} holds ${sets.length} activation sets, not 1.`, { path: shards[0].path });
  const template = acts.getSetRow(shards[0].db, sets[0].id)!;
  const key = {
    modelId: template.modelId,
    layerId: template.layerId,
    probeSetId: template.probeSetId,
    summary: template.summary,
    paramsJson: template.paramsJson,
  };
  const existing = acts.findSet(db, key);
  if (existing?.complete)
    throw new AppError('bad_input', `The project already has this activation set, complete (id ${existing.id}): nothing to merge.`, {
      activationSetId: existing.id,
    });
  const setId = existing?.id ?? acts.createSet(db, { ...template, provider: template.provider });
  const expected = Math.ceil(template.nImages / template.chunkRows);
  for (const s of shards) {
    const src = acts.findSet(s.db, key)!;
    const want = Math.ceil(s.prov.to / template.chunkRows) - Math.floor(s.prov.from / template.chunkRows);
    for (const kind of ['act', 'logits', 'pred'] as const) {
      let n = 0;
      for (const ch of acts.readChunks(s.db, src.id, kind)) {
        acts.putChunk(db, setId, kind, ch.chunk, ch.nRows, ch.data);
        n++;
      }
      // Checked after the rows are written: a failure here rolls back the shards before it too (one transaction).
      if (n !== want)
        throw new AppError('bad_input', `Shard ${s.path}: holds ${n} of its ${want} ${kind} chunks: run its task again, then merge.`, {
          path: s.path,
          field: 'activation_chunks',
        });
    }
  }
  for (const kind of ['act', 'logits', 'pred'] as const) {
    const stored = acts.committedChunks(db, setId, kind);
    if (stored !== expected)
      throw new AppError('bad_input', `The shards hold ${stored} of ${expected} ${kind} chunks of the activation set.`);
  }
  // Under 'flag' semantics: a shard stored what its call allowed; stats count non-finite values either way.
  writeStats(db, setId, template.nNeurons, {
    policy: 'flag',
    nLogits: template.nLogits,
    where: () => {
      throw new Error('unreachable under flag');
    },
  });
  return setId;
}
