import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBackend } from '../src/main/core/app/backend';
import type { Contract, MethodName } from '../src/shared/contract';
import type { InputOf, OutputOf } from '../src/shared/define';
import { contract } from '../src/shared/contract';

// Sharding overhead (issue #18, docs/cluster.md); one JSON object on stdout. On the demo probe set (600 images) and
// the fixture CNN, in one process (shards run one after another, as n array tasks would run on n nodes):
//   extraction of /layer3/relu_1/Relu_output_0 (identity: 3,136 features): one run vs 4 shards + merge (wall, bytes)
//   LE (label concepts) of /Flatten_output_0 (64 neurons): one run vs 4 shards + merge
//   merge of 64 LE shards of 2,048 neurons of the layer3 set (the merge's own time)
//   CLIP-Dissect (soft-WPMI, fixture encoder A, the built-in common nouns) of 2,048 neurons of the layer3 set: one run
//   vs 4 shards + merge (the merge labels all neurons from the shards' log P(t | B_j) rows), embeddings cached first
// bytes: what the activation rows take in the project (single) vs the shard files + the project's growth (sharded).

const ROOT = resolve(import.meta.dirname, '..');
const CNN = join(ROOT, 'resources/fixtures/models/fmnist_cnn.onnx');
const PROBE = join(ROOT, 'resources/demo/probe');
const LAYER3 = '/layer3/relu_1/Relu_output_0';
const POOLED = '/Flatten_output_0';
const QUICK = process.argv.includes('--quick');
const log = (s: string) => process.stderr.write(`[cluster] ${s}\n`);
const c = { signal: new AbortController().signal, progress: () => undefined };
const size = (p: string) => statSync(p).size;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'nwb-bench-cluster-'));
  const backend = createBackend({ userDataDir: join(dir, 'user'), mode: 'cli' });
  const call = async <K extends MethodName>(m: K, input: InputOf<Contract, K>): Promise<OutputOf<Contract, K>> =>
    (await (backend.handlers[m] as (i: unknown, cc: typeof c) => unknown)(contract[m].input.parse(input), c)) as OutputOf<Contract, K>;
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const r = await f();
    return [r, (performance.now() - t0) / 1000];
  };
  const A = join(dir, 'single.nwb');
  const B = join(dir, 'sharded.nwb');
  await call('project.create', { path: A });
  const probeSetId = (await call('probe.import', { root: PROBE })).probeSetId;
  const modelId = (await call('model.add', { path: CNN })).id;
  await call('model.setPreprocessing', { modelId, preset: 'fashion-mnist' });
  await call('split.ensure', { probeSetId, seed: 0 });
  await call('project.close', {});
  copyFileSync(A, B);
  const checkpointedSize = (p: string) => {
    backend.state.requireProject().db.pragma('wal_checkpoint(TRUNCATE)');
    return size(p);
  };

  // Single runs.
  await call('project.open', { path: A });
  let before = checkpointedSize(A);
  const ext = (layer: string, extra: object = {}) => ({ modelId, layer, probeSetId, summary: 'identity' as const, threads: 1, ...extra });
  const [single3, extractSingle] = await timed(() => call('activations.extract', ext(LAYER3)));
  const extractSingleBytes = checkpointedSize(A) - before;
  const pooledA = (await call('activations.extract', ext(POOLED))).activationSet.id;
  const [, leSingle] = await timed(() => call('explain.run', { activationSetId: pooledA }));
  log(`single: extract ${extractSingle.toFixed(2)} s, LE ${leSingle.toFixed(2)} s`);

  // Sharded: 4 extraction shards (project read-only), merge; then LE shards of the pooled layer.
  await call('project.open', { path: B, readOnly: true });
  const shard = (kind: string, i: number, n: number) => ({ index: i, count: n, path: join(dir, `${kind}-${i}of${n}.nwbshard`) });
  const shardSecs: number[] = [];
  for (let i = 1; i <= 4; i++)
    shardSecs.push((await timed(() => call('activations.extract', ext(LAYER3, { shard: shard('x3', i, 4) }))))[1]);
  const shardBytes = [1, 2, 3, 4].reduce((a, i) => a + size(shard('x3', i, 4).path), 0);
  await call('project.open', { path: B });
  before = checkpointedSize(B);
  const [m3, extractMerge] = await timed(() => call('project.merge', { shards: [1, 2, 3, 4].map((i) => shard('x3', i, 4).path) }));
  const extractMergeBytes = checkpointedSize(B) - before;
  const pooledB = (await call('activations.extract', ext(POOLED))).activationSet.id;
  const leShardSecs: number[] = [];
  for (let i = 1; i <= 4; i++)
    leShardSecs.push((await timed(() => call('explain.run', { activationSetId: pooledB, shard: shard('le', i, 4) })))[1]);
  const [, leMerge] = await timed(() => call('project.merge', { shards: [1, 2, 3, 4].map((i) => shard('le', i, 4).path) }));
  log(`sharded: extract ${shardSecs.map((s) => s.toFixed(2)).join('+')} + merge ${extractMerge.toFixed(2)} s`);

  // 64 LE shards of 2,048 neurons of the layer3 set, then the merge alone.
  const n64 = QUICK ? 16 : 64;
  const neurons = Array.from({ length: 2048 }, (_, k) => k);
  const [, le64] = await timed(async () => {
    for (let i = 1; i <= n64; i++)
      await call('explain.run', { activationSetId: m3.activationSetId, neurons, shard: shard('le2048', i, n64) });
  });
  const [, merge64] = await timed(() =>
    call('project.merge', { shards: Array.from({ length: n64 }, (_, k) => shard('le2048', k + 1, n64).path) }),
  );
  log(`${n64} LE shards of 2,048 neurons: ${le64.toFixed(1)} s, merge ${merge64.toFixed(2)} s`);

  // CLIP-Dissect: the same embeddings cached in both projects first (cluster.submit --dryRun does that), then timed.
  const clip = async (p: string, setId: number) => {
    await call('project.open', { path: p });
    const encoderId = (await call('encoder.add', { path: join(ROOT, 'resources/fixtures/encoders/fmnist_siglip_a') })).id;
    const conceptSetId = (await call('conceptSet.builtin', { name: 'common-nouns' })).id;
    const input = { activationSetId: setId, encoderId, conceptSetId, neurons: Array.from({ length: QUICK ? 256 : 2048 }, (_, k) => k) };
    await call('cluster.submit', { command: 'clipDissect.run', input, shards: 4, shardDir: join(dir, 'clip-submit'), dryRun: true });
    return input;
  };
  const clipA = await clip(A, single3.activationSet.id);
  const [, clipSingle] = await timed(() => call('clipDissect.run', clipA));
  const clipB = await clip(B, m3.activationSetId);
  const clipShardSecs: number[] = [];
  for (let i = 1; i <= 4; i++)
    clipShardSecs.push((await timed(() => call('clipDissect.run', { ...clipB, shard: shard('clip', i, 4) })))[1]);
  const [, clipMerge] = await timed(() => call('project.merge', { shards: [1, 2, 3, 4].map((i) => shard('clip', i, 4).path) }));
  const clipBytes = [1, 2, 3, 4].reduce((a, i) => a + size(shard('clip', i, 4).path), 0);
  const concepts = (await call('conceptSet.list', {})).find((x) => x.id === clipB.conceptSetId)!;
  log(
    `CLIP-Dissect: single ${clipSingle.toFixed(2)} s, shards ${clipShardSecs.map((s) => s.toFixed(2)).join('+')} + merge ${clipMerge.toFixed(2)} s`,
  );
  backend.dispose();
  return {
    machine: '2-core CPU, shards run one after another in one process',
    extraction: {
      layer: `${LAYER3} identity (${single3.activationSet.nNeurons} features), 600 images`,
      singleSeconds: round(extractSingle),
      shardSeconds: shardSecs.map((s) => round(s)),
      mergeSeconds: round(extractMerge),
      shardedTotalSeconds: round(shardSecs.reduce((a, b) => a + b, 0) + extractMerge),
      singleBytes: extractSingleBytes,
      shardFileBytes: shardBytes,
      mergeProjectBytes: extractMergeBytes,
    },
    le: {
      layer: `${POOLED} (64 neurons), label concepts`,
      singleSeconds: round(leSingle),
      shardSeconds: leShardSecs.map((s) => round(s)),
      mergeSeconds: round(leMerge),
    },
    merge2048: { shards: n64, neurons: 2048, shardsSeconds: round(le64, 1), mergeSeconds: round(merge64) },
    clipDissect: {
      layer: `${LAYER3} (${clipB.neurons.length} neurons), soft-WPMI, ${concepts.count} concepts, encoder fmnist_siglip_a`,
      singleSeconds: round(clipSingle),
      shardSeconds: clipShardSecs.map((s) => round(s)),
      mergeSeconds: round(clipMerge),
      shardFileBytes: clipBytes,
    },
  };
}

main().then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
