import { quantizedColumn64 } from '../../numeric/conceptP';
import { simulateLabels, type LabelConcepts } from '../explanations';
import { labelWeights } from '../explanations';
import type { StoredTerm } from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import { encoderConceptMatrix, type Phase } from './encoderConcepts';
import { requireCalibration, requireEncoder } from './encoderService';

// A simulator turns an explanation E = {(w_i, c_i)} + bias into s(x, E) = sum_i w_i P_sim(c_i | x) + bias
// (docs/methods.md "Simulators"). Two kinds behind one interface, used by correlation scoring
// (simulate.run) and ablation scoring alike:
// - the label simulator: P_sim = the probe set's 0/1 labels (only explanations made of labels);
// - an image-text simulator: P_sim = sigmoid(a_sim*(cos+b_sim)) of a calibrated encoder (any text).

export interface ExplanationSimulator {
  /** Stored with every score: 'label' or the encoder's sha256. */
  key: string;
  name: string;
  /** s at the given image rows (image-id order), or null when this simulator cannot read a concept. */
  simulate(terms: readonly StoredTerm[], bias: number, rows: Int32Array): Float64Array | null;
  /** Why simulate returned null. */
  unsupported: string;
  embeddings: { computed: number; cached: number };
}

export function labelSimulator(lc: LabelConcepts): ExplanationSimulator {
  return {
    key: 'label',
    name: 'label simulator',
    simulate: (terms, bias, rows) => {
      const w = labelWeights(lc, terms);
      return w ? simulateLabels(lc, w, bias, rows) : null;
    },
    unsupported: 'a concept is not a label of the probe set',
    embeddings: { computed: 0, cached: 0 },
  };
}

/** P_sim over the union of the concepts the explanations use: one matrix product, then column sums. */
export async function encoderSimulator(
  db: Db,
  encoderId: number,
  probeSetId: number,
  texts: readonly string[],
  phase: Phase = {},
): Promise<ExplanationSimulator> {
  const row = requireEncoder(db, encoderId);
  const calib = requireCalibration(db, row);
  const unique = [...new Set(texts)];
  const m = await encoderConceptMatrix(db, row, calib, probeSetId, unique.length ? unique : ['(none)'], phase);
  const col = new Map(unique.map((t, j) => [t, j]));
  return {
    key: row.sha256,
    name: row.name,
    simulate: (terms, bias, rows) => {
      const s = new Float64Array(rows.length).fill(bias);
      for (const t of terms) {
        const j = col.get(t.concept);
        if (j === undefined) return null;
        const c = quantizedColumn64(m.P, j, rows);
        for (let r = 0; r < rows.length; r++) s[r] += t.weight * c[r];
      }
      return s;
    },
    unsupported: 'a concept was not scored by the simulator',
    embeddings: m.embeddings,
  };
}
