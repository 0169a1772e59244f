/**
 * Ablation benchmark: Optim + Norm ablation scores and Top Impact for a whole layer feeding a linear head.
 *   npx tsx bench/ablation.ts            paper scale: K = 2,048 neurons, C = 1,000 classes, 5k val + 10k test
 *   npx tsx bench/ablation.ts --quick    the same layer, but only the first 64 neurons are scored (per-neuron timings)
 *   options: --k K --neurons S (scored) --c C --val N --test N --exact-neurons E (default 4; 0 = skip the error check)
 *            --trust R (cumulant trust radius, default 1.5 = the library default)
 * Synthetic but realistic: features ReLU(N(0.2, 1)), W ~ N(0, s^2) with s set so logits have std ~3, labels
 * sampled from softmax(z / 1.1), one simulated explanation per neuron (the activation + N(0, 0.6^2) noise).
 * The fast path is the cumulant expansion (src/main/core/numeric/ablation/cumulant.ts) with exact fallback outside its
 * trust radius; its error is measured against the exact rank-one path on E neurons (full Optim, Norm, Top Impact).
 * Prints ONE JSON object on stdout (progress on stderr).
 */
import {
  ablationSummary,
  computeLogits,
  fitTemperature,
  linearHead,
  linearHeadOracle,
  matrix,
  meanWithStandardError,
  scoreAblation,
  SPLIT_TEST,
  SPLIT_VAL,
  splitRows,
  topImpactLayer,
  type NeuronAblation,
} from '../src/main/core/numeric/ablation';
import { mulberry32 } from '../src/main/core/numeric/le/splits';
import { pearson } from '../src/main/core/numeric/le/pearson';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const quick = process.argv.includes('--quick');
const K = arg('k', 2048);
const S = Math.min(K, arg('neurons', quick ? 64 : K));
const C = arg('c', 1000);
const nVal = arg('val', 5000);
const nTest = arg('test', 10000);
const exactNeurons = arg('exact-neurons', 4);
const trustRadius = arg('trust', 1.5);
const N = nVal + nTest;
const log = (s: string): void => void process.stderr.write(`[bench/ablation] ${s}\n`);
const rssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(2);
// CPU seconds (user + system, all threads) since `c0`: the machine is shared, so wall time alone overstates cost.
const cpuSecs = (c0: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(c0);
  return +((d.user + d.system) / 1e6).toFixed(2);
};

async function main(): Promise<void> {
  const u = mulberry32(2026);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  let t0 = performance.now();
  const a = new Float32Array(N * K);
  for (let i = 0; i < a.length; i++) a[i] = Math.max(0, normal() + 0.2);
  const sims = new Float32Array(N * K);
  for (let i = 0; i < sims.length; i++) sims[i] = a[i] + 0.6 * normal();
  const wScale = 3 / Math.sqrt(K * 0.7); // logits std ~3 (E a^2 ~ 0.7 for ReLU(N(0.2, 1)))
  const w = Float32Array.from({ length: C * K }, () => wScale * normal());
  const b = Float32Array.from({ length: C }, () => 0.1 * normal());
  const head = linearHead(w, b, C, K);
  const acts = matrix(a, N, K);
  const simMatrix = matrix(sims, N, K);
  const z = await computeLogits(acts, head, { engine: 'onnx' });
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, z[i * C + j] / 1.1);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(z[i * C + j] / 1.1 - m);
    let acc = 0;
    const r = u() * s;
    labels[i] = C - 1;
    for (let j = 0; j < C; j++) {
      acc += Math.exp(z[i * C + j] / 1.1 - m);
      if (r < acc) {
        labels[i] = j;
        break;
      }
    }
  }
  const split = new Uint8Array(N).fill(SPLIT_TEST);
  split.fill(SPLIT_VAL, 0, nVal);
  const dataSeconds = secs(t0);
  log(`data ${dataSeconds}s, rss ${rssMB()} MB`);

  t0 = performance.now();
  const fit = fitTemperature(matrix(z, N, C), labels, splitRows(split, SPLIT_VAL));
  const temperatureSeconds = secs(t0);
  log(`T = ${fit.temperature.toFixed(4)} (${temperatureSeconds}s)`);

  t0 = performance.now();
  let c0 = process.cpuUsage();
  const fast = await linearHeadOracle(acts, head, labels, fit.temperature, { lossModel: 'cumulant', engine: 'onnx', trustRadius });
  const oracleSeconds = secs(t0);
  const oracleCpu = cpuSecs(c0);
  t0 = performance.now();
  c0 = process.cpuUsage();
  const scored = Int32Array.from({ length: S }, (_, k) => k);
  const scores = await scoreAblation(fast, acts, simMatrix, split, {
    neurons: scored,
    onProgress: (d, t) => d % 256 === 0 && log(`ablation ${d}/${t} ${secs(t0)}s`),
  });
  const ablationSeconds = secs(t0);
  const ablationCpu = cpuSecs(c0);
  const ablationStats = { ...fast.stats };
  log(`ablation (Optim + Norm, ${S} neurons): ${ablationSeconds}s, fallbacks ${ablationStats.exactFallbacks}/${ablationStats.evaluations}`);

  t0 = performance.now();
  c0 = process.cpuUsage();
  const ti = await topImpactLayer(fast, acts, {
    neurons: scored,
    onProgress: (d, t) => d % 512 === 0 && log(`top impact ${d}/${t} ${secs(t0)}s`),
  });
  const topImpactSeconds = secs(t0);
  const topImpactCpu = cpuSecs(c0);
  log(`top impact: ${topImpactSeconds}s`);

  const test = splitRows(split, SPLIT_TEST);
  const corr = scores.map((s) => {
    const x = Float64Array.from(test, (i) => a[i * K + s.neuron]);
    const y = Float64Array.from(test, (i) => sims[i * K + s.neuron]);
    return pearson(x, y);
  });
  const summary = { ...ablationSummary(scores, corr), correlation: meanWithStandardError(corr) };

  // Error of the cumulant path: the exact rank-one path on a few neurons, same logits, same T.
  let error: Record<string, unknown> = { skipped: true };
  if (exactNeurons > 0) {
    t0 = performance.now();
    const count = Math.min(exactNeurons, S);
    const pick = Int32Array.from({ length: count }, (_, t) => Math.floor((t * S) / count));
    const exact = await linearHeadOracle(acts, head, labels, fit.temperature, { lossModel: 'exact', engine: 'onnx' });
    const ex = await scoreAblation(exact, acts, simMatrix, split, { neurons: pick });
    const exTi = await topImpactLayer(exact, acts, { neurons: pick });
    const worst = { optimScore: 0, normScore: 0, optimC: 0, optimD: 0, denominatorRel: 0, topImpactAtBetas: 0, topImpactCurve: 0 };
    pick.forEach((k, t) => {
      const f: NeuronAblation = scores[k];
      const e = ex[t];
      worst.optimScore = Math.max(worst.optimScore, Math.abs(f.optim!.score - e.optim!.score));
      worst.normScore = Math.max(worst.normScore, Math.abs(f.norm!.score - e.norm!.score));
      worst.optimC = Math.max(worst.optimC, Math.abs(f.optim!.c - e.optim!.c));
      worst.optimD = Math.max(worst.optimD, Math.abs(f.optim!.d - e.optim!.d));
      worst.denominatorRel = Math.max(worst.denominatorRel, Math.abs(f.denominator - e.denominator) / e.denominator);
      const fi = ti.perNeuron[k];
      const ei = exTi.perNeuron[t];
      for (let j = 0; j < fi.atBetas.length; j++)
        worst.topImpactAtBetas = Math.max(worst.topImpactAtBetas, Math.abs(fi.atBetas[j] - ei.atBetas[j]));
      for (let j = 0; j < fi.curve.length; j++) worst.topImpactCurve = Math.max(worst.topImpactCurve, Math.abs(fi.curve[j] - ei.curve[j]));
    });
    error = {
      neurons: Array.from(pick),
      exactSeconds: secs(t0),
      maxAbsDiff: worst,
      exactOptimScores: ex.map((e) => e.optim!.score),
      exactNormScores: ex.map((e) => e.norm!.score),
    };
    log(`exact check on ${pick.length} neurons: ${JSON.stringify(worst)}`);
  }

  const out = {
    benchmark: 'ablation',
    sizes: { features: K, scoredNeurons: S, classes: C, val: nVal, test: nTest, quick },
    temperature: { fitted: +fit.temperature.toFixed(5), planted: 1.1, iterations: fit.iterations, seconds: temperatureSeconds },
    lossModel: fast.lossModel,
    trustRadius,
    seconds: { data: dataSeconds, oracleSetup: oracleSeconds, optimPlusNorm: ablationSeconds, topImpact: topImpactSeconds },
    cpuSeconds: { oracleSetup: oracleCpu, optimPlusNorm: ablationCpu, topImpact: topImpactCpu },
    loadAverage: (await import('node:os')).loadavg().map((v) => +v.toFixed(2)),
    goals: { optimPlusNormSeconds: 60, topImpactSeconds: 60 },
    exactFallbackShare: +(fast.stats.exactFallbacks / fast.stats.evaluations).toExponential(3),
    ablationExactFallbackShare: +(ablationStats.exactFallbacks / ablationStats.evaluations).toExponential(3),
    scores: summary,
    topImpact: { betas: Array.from(ti.betas), meanAtBetas: Array.from(ti.meanAtBetas), definedNeurons: ti.definedNeurons },
    cumulantVsExact: error,
    peakRssMB: rssMB(),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

await main();
