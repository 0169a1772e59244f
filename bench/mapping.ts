/**
 * Class-mapping inference benchmark (docs/models.md): the assignment of probe classes to model classes that
 * maximises agreement with the stored predictions, at ImageNet scale.
 *   npx tsx bench/mapping.ts           N = 50,000 probe images, C = 1,000 classes (a model 75% accurate, its class
 *                                      order a planted permutation; wrong predictions spread over all classes)
 *   npx tsx bench/mapping.ts --quick   N = 5,000, C = 100
 * Times: the confusion counts (one pass over the predictions) and the Hungarian algorithm
 * (src/main/core/numeric/assignment). Reference in the same run: scipy's linear_sum_assignment on the same matrix
 * (/usr/bin/python3; skipped when scipy is missing), the optimum's total compared. Also the worst case for the
 * algorithm: uniformly random predictions (no dominant entry per row); and an untrained model's counts (predictions
 * piled on 5 classes: the near-chance case).
 * Prints ONE JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { maxWeightAssignment } from '../src/main/core/numeric/assignment';
import { mulberry32 } from '../src/main/core/numeric/le/splits';

const quick = process.argv.includes('--quick');
const N = quick ? 5000 : 50000;
const C = quick ? 100 : 1000;
const rand = mulberry32(17);
const perm = Array.from({ length: C }, (_, i) => i);
for (let i = C - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [perm[i], perm[j]] = [perm[j], perm[i]];
}
const label = Int32Array.from({ length: N }, (_, i) => i % C);
const pred = Int32Array.from(label, (l) => (rand() < 0.75 ? perm[l] : Math.floor(rand() * C)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time<T>(f: () => T, reps: number): { ms: number; out: T } {
  const ts: number[] = [];
  let out!: T;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    out = f();
    ts.push(performance.now() - t);
  }
  return { ms: median(ts), out };
}

const counts = time(() => {
  const w = new Float64Array(C * C);
  for (let i = 0; i < N; i++) w[label[i] * C + pred[i]]++;
  return w;
}, 5);
const hung = time(() => maxWeightAssignment(counts.out, C, C), 5);
const recovered = hung.out.columnOf.every((c, i) => c === perm[i]);
const accuracy = hung.out.total / N;

// An untrained model: predictions piled on a few classes (the near-chance case the refusal is for).
const piled = new Float64Array(C * C);
for (let i = 0; i < N; i++) piled[label[i] * C + Math.floor(rand() * 5) * 7]++;
const untrained = time(() => maxWeightAssignment(piled, C, C), 3);

// A model that predicts uniformly at random: the hardest counts N images can give (no dominant entry per row).
const dense = new Float64Array(C * C);
for (let i = 0; i < N; i++) dense[label[i] * C + Math.floor(rand() * C)]++;
const worst = time(() => maxWeightAssignment(dense, C, C), 3);

function scipy(w: Float64Array): { seconds: number; total: number } | { error: string } {
  const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', 'linear_sum_assignment.py')], {
    input: JSON.stringify({ rows: C, cols: C, w: Array.from(w) }),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) return { error: (r.stderr || 'python3 failed').trim().split('\n').pop()! };
  return JSON.parse(r.stdout) as { seconds: number; total: number };
}
const refCounts = scipy(counts.out);
const refDense = scipy(dense);

console.log(
  JSON.stringify({
    images: N,
    classes: C,
    confusionMs: counts.ms,
    hungarianMs: hung.ms,
    recoveredPlantedPermutation: recovered,
    accuracy,
    untrainedHungarianMs: untrained.ms,
    untrainedAccuracy: untrained.out.total / N,
    randomPredictionsHungarianMs: worst.ms,
    reference: {
      scipyMs: 'seconds' in refCounts ? refCounts.seconds * 1000 : refCounts,
      scipySameTotal: 'total' in refCounts ? refCounts.total === hung.out.total : null,
      scipyRandomMs: 'seconds' in refDense ? refDense.seconds * 1000 : refDense,
      scipyRandomSameTotal: 'total' in refDense ? refDense.total === worst.out.total : null,
    },
  }),
);
