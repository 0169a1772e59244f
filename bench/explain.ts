/**
 * LE benchmark: the whole LE(Label-style) pipeline of src/main/core/numeric/le on a synthetic layer.
 *   npx tsx bench/explain.ts            paper scale: N = 50,000 (35k/5k/10k), M = 8,438 concepts, K = 2,048 neurons
 *   npx tsx bench/explain.ts --quick    small: N = 5,000, M = 1,000, K = 64
 *   options: --n N --m M --k K --sklearn-neurons S (default 8 quick / 4 full; 0 = skip) --threads T (onnxruntime)
 * Prints ONE JSON object on stdout (progress goes to stderr). When /usr/bin/python3 has scikit-learn,
 * bench/python/sklearn_enet.py fits ElasticNet on the same standardised train data for the first S live
 * neurons, and the weights are compared with ours.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  columnStats,
  DEFAULT_ETA,
  DEFAULT_LAMBDA,
  explainLayer,
  inverseStd,
  splitIndices,
  type LayerExplanation,
} from '../src/main/core/numeric/le';
import { syntheticLayer, type SyntheticLayer } from './explainData';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const quick = process.argv.includes('--quick');
const n = arg('n', quick ? 5000 : 50000);
const m = arg('m', quick ? 1000 : 8438);
const k = arg('k', quick ? 64 : 2048);
// sklearn's data-based coordinate descent costs tens of seconds per neuron at paper scale: 4 neurons there.
const sklearnNeurons = arg('sklearn-neurons', quick ? 8 : 4);
const threads = arg('threads', 0);
const TOL = 1e-4;

const log = (s: string): void => void process.stderr.write(`[bench/explain] ${s}\n`);
const rssMB = (): number => process.resourceUsage().maxRSS / 1024;

/**
 * Precision/recall of planted concepts. recallStrongTerms counts only planted terms whose contribution
 * |w| * std(P_c) is at least the noise std (0.1): many random concepts have tiny variance (mostly small
 * probabilities), so a weak term is buried in noise and no method could find it.
 */
function recovery(data: SyntheticLayer, res: LayerExplanation) {
  const { train } = splitIndices(data.split);
  const pStd = columnStats(data.p, train).std;
  let strong = 0;
  let strongHit = 0;
  let found = 0;
  let hit = 0;
  let planted = 0;
  let hitPos = 0;
  let plantedPos = 0;
  let exact = 0;
  let live = 0;
  for (const r of res.neurons) {
    if (!r.explanation) continue;
    live++;
    const truth = data.planted[r.neuron];
    const got = new Set(r.explanation.concepts);
    let h = 0;
    truth.concepts.forEach((c, i) => {
      const isHit = got.has(c);
      if (isHit) h++;
      if (Math.abs(truth.weights[i]) * pStd[c] >= 0.1) {
        strong++;
        if (isHit) strongHit++;
      }
      if (truth.weights[i] > 0) {
        plantedPos++;
        if (isHit) hitPos++;
      }
    });
    found += got.size;
    hit += h;
    planted += truth.concepts.length;
    if (h === truth.concepts.length && got.size === h) exact++;
  }
  return {
    precision: hit / found,
    recall: hit / planted,
    recallPositiveTerms: hitPos / plantedPos,
    recallStrongTerms: strongHit / strong,
    strongTermShare: strong / planted,
    exactRecoveryShare: exact / live,
    liveNeurons: live,
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Standardised train X and y for the first S live neurons, written as raw float32 for Python. */
function runSklearn(data: SyntheticLayer, res: LayerExplanation, count: number) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'no scikit-learn in /usr/bin/python3' };
  const { p, q } = data;
  const { train } = splitIndices(data.split);
  const neurons = res.neurons
    .filter((r) => !r.dead)
    .slice(0, count)
    .map((r) => r.neuron);
  const pStats = columnStats(p, train);
  const qStats = columnStats(q, train);
  const pInv = inverseStd(pStats);
  const dir = mkdtempSync(join(tmpdir(), 'le-bench-'));
  try {
    const fx = openSync(join(dir, 'x.f32'), 'w');
    const chunk = 1024;
    for (let s = 0; s < train.length; s += chunk) {
      const rows = Math.min(chunk, train.length - s);
      const buf = new Float32Array(rows * m);
      for (let r = 0; r < rows; r++) {
        const o = train[s + r] * m;
        for (let j = 0; j < m; j++) buf[r * m + j] = (p.data[o + j] - pStats.mean[j]) * pInv[j];
      }
      writeSync(fx, new Uint8Array(buf.buffer));
    }
    closeSync(fx);
    const y = new Float32Array(train.length * neurons.length);
    train.forEach((img, r) =>
      neurons.forEach((kk, i) => (y[r * neurons.length + i] = (q.data[img * q.cols + kk] - qStats.mean[kk]) / qStats.std[kk])),
    );
    writeFileSync(join(dir, 'y.f32'), new Uint8Array(y.buffer));
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({ n: train.length, m, k: neurons.length, lambda: DEFAULT_LAMBDA, eta: DEFAULT_ETA, tol: TOL }),
    );
    log(`sklearn on ${neurons.length} neurons ...`);
    const out = spawnSync('/usr/bin/python3', [join(dirname(fileURLToPath(import.meta.url)), 'python', 'sklearn_enet.py'), dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (out.status !== 0) return { skipped: `sklearn_enet.py failed: ${out.stderr.slice(-500)}` };
    const sk = JSON.parse(out.stdout) as { secondsPerNeuron: number; peakRssMB: number; coef: number[][] };
    let maxDiff = 0;
    let supportAgree = 0;
    let supportTotal = 0;
    neurons.forEach((kk, i) => {
      const ours = new Float64Array(m);
      const r = res.neurons.find((x) => x.neuron === kk)!;
      r.elasticNet.concepts.forEach((c, t) => (ours[c] = r.elasticNet.weights[t]));
      for (let j = 0; j < m; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours[j] - sk.coef[i][j]));
        if (ours[j] !== 0 || sk.coef[i][j] !== 0) {
          supportTotal++;
          if (ours[j] !== 0 && sk.coef[i][j] !== 0) supportAgree++;
        }
      }
    });
    return {
      neurons: neurons.length,
      secondsPerNeuron: sk.secondsPerNeuron,
      peakRssMB: sk.peakRssMB,
      maxAbsWeightDiff: maxDiff,
      supportJaccard: supportAgree / supportTotal,
      tol: TOL,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  log(`generating N=${n} M=${m} K=${k} ...`);
  const data = await syntheticLayer({ n, m, k });
  const tGen = (performance.now() - t0) / 1000;
  log(`generated in ${tGen.toFixed(1)} s, rss ${rssMB().toFixed(0)} MB`);
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  let last = 0;
  const res = await explainLayer(
    { concepts: data.p, activations: data.q, split: data.split },
    {
      engine: 'onnx',
      threads,
      tol: TOL,
      onProgress: (done, total) => {
        if (performance.now() - last > 10000 || done === total) {
          last = performance.now();
          log(`${done}/${total} neurons, ${((performance.now() - t1) / 1000).toFixed(1)} s, rss ${rssMB().toFixed(0)} MB`);
        }
      },
    },
  );
  const tLe = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu1);
  // CPU seconds of this process (onnxruntime threads included): the machine is shared, so wall time
  // alone mixes in other people's load.
  const cpuLe = (cpu.user + cpu.system) / 1e6;
  const peakRssMB = rssMB();
  const live = res.neurons.filter((r) => r.explanation);
  const tm = res.timingsMs;
  const result = {
    bench: 'explain',
    quick,
    config: {
      n,
      m,
      k,
      split: splitIndices(data.split).train.length + '/' + splitIndices(data.split).val.length + '/' + splitIndices(data.split).test.length,
      lambda: DEFAULT_LAMBDA,
      eta: DEFAULT_ETA,
      tol: TOL,
      engine: 'onnx',
    },
    seconds: {
      generateData: tGen,
      explainLayerTotal: tLe,
      stats: tm.stats / 1000,
      gramAndXty: tm.crossProducts / 1000,
      valPrep: tm.valPrep / 1000,
      perNeuronLoop: tm.neurons / 1000,
      elasticNet: tm.elasticNet / 1000,
      greedyBaselinesScoring: tm.greedy / 1000,
    },
    cpuSeconds: { explainLayerTotal: cpuLe, perNeuronWholeLE: cpuLe / k },
    loadAverage1m: loadavg()[0],
    secondsPerNeuron: {
      wholeLE: tLe / k,
      elasticNetIncludingGramShare: (tm.crossProducts + tm.elasticNet) / 1000 / k,
      elasticNet: tm.elasticNet / 1000 / k,
      greedyEtc: tm.greedy / 1000 / k,
    },
    peakRssMB,
    recovery: recovery(data, res),
    meanConcepts: mean(live.map((r) => r.explanation!.concepts.length)),
    meanEnetNonzero: mean(live.map((r) => r.enetNonzero)),
    enetNotConverged: live.filter((r) => !r.enetConverged).length,
    meanTestCorrelation: {
      le: mean(live.map((r) => r.explanation!.testCorrelation)),
      singleConcept: mean(live.map((r) => r.baselines!.singleConcept.testCorrelation)),
      noGreedyTop5: mean(live.map((r) => r.baselines!.noGreedy.testCorrelation)),
    },
    sklearn: sklearnNeurons > 0 ? runSklearn(data, res, sklearnNeurons) : { skipped: '--sklearn-neurons 0' },
  };
  const sk = result.sklearn as { secondsPerNeuron?: number };
  const out = {
    ...result,
    speedupVsSklearn: sk.secondsPerNeuron
      ? {
          elasticNetOnly: sk.secondsPerNeuron / result.secondsPerNeuron.elasticNetIncludingGramShare,
          wholeLEvsSklearnElasticNetAlone: sk.secondsPerNeuron / (tLe / k),
        }
      : null,
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
