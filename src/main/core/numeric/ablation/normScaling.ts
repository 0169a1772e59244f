import type { FloatArray } from './types';

export interface Scaling {
  c: number;
  d: number;
}

export interface NormScaling extends Scaling {
  /** Pearson correlation of activation and explanation on the rows used (val). */
  rho: number;
}

/**
 * Norm scaling (docs/methods.md "Norm scaling"): c = rho * std(act) / std(s), d = mean(act) - c * mean(s), all on val.
 * Std convention: population (divide by n). It does not matter: c uses the RATIO of two stds, so n vs n-1
 * cancels, and rho is convention-free. Equivalently c = cov(act, s) / var(s): the least-squares line of the
 * activation on the explanation. A constant explanation (var 0) gets c = 0, d = mean(act): mean ablation.
 */
export function normScaling(act: FloatArray, sim: FloatArray, rows?: Int32Array): NormScaling {
  const n = rows ? rows.length : act.length;
  if (n === 0) throw new Error('normScaling: no rows');
  let ma = 0;
  let ms = 0;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    ma += act[i];
    ms += sim[i];
  }
  ma /= n;
  ms /= n;
  let saa = 0;
  let sss = 0;
  let sas = 0;
  for (let r = 0; r < n; r++) {
    const i = rows ? rows[r] : r;
    const da = act[i] - ma;
    const ds = sim[i] - ms;
    saa += da * da;
    sss += ds * ds;
    sas += da * ds;
  }
  const rho = saa > 0 && sss > 0 ? sas / Math.sqrt(saa * sss) : 0;
  const c = sss > 0 && saa > 0 ? (rho * Math.sqrt(saa / n)) / Math.sqrt(sss / n) : 0;
  return { c, d: ma - c * ms, rho };
}
