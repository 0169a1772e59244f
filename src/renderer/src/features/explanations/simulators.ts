import { pearsonOrNull } from '../../../../shared/pearson';
import { useCallback } from 'react';
import { useEncoders } from '../concepts';
import type { Explanation, RunInfo } from './types';

// Every score on screen names its simulator. Scores are stored per simulator key: 'label' (the label simulator),
// 'reported' (numbers an imported file carried) or an encoder's sha256 (an image-text simulator). A run's own
// simulator is the label simulator for LE (labels) and imported runs, the explainer encoder for LE(SigLIP).

/** The simulator key whose scores are a run's own (and whose simulation the neuron page's scatter draws). */
export function runSimulatorKey(run: Pick<RunInfo, 'params'>): string {
  const sha = run.params.explainerSha;
  return typeof sha === 'string' ? sha : 'label';
}

/** simulator key -> the words shown: "label simulator", "fmnist_siglip_a (explainer)", "reported in the file". */
export type SimulatorNamer = (key: string, explainerKey?: string) => string;

export function useSimulatorNamer(): SimulatorNamer {
  const encoders = useEncoders();
  const list = encoders.data;
  return useCallback(
    (key: string, explainerKey?: string) => {
      if (key === 'label') return 'label simulator';
      if (key === 'reported') return 'reported in the file';
      const name = list?.find((e) => e.sha256 === key)?.name ?? `encoder ${key.slice(0, 8)}`;
      return key === explainerKey ? `${name} (explainer)` : name;
    },
    [list],
  );
}

/** Correlation scores of an explanation on a split, the run's own simulator first. */
export function scoresBySimulator(e: Explanation, split: 'val' | 'test', ownKey: string): Array<{ simulator: string; value: number }> {
  const rows = e.scores.filter((s) => s.split === split && s.metric.includes('corr'));
  const rank = (k: string) => (k === ownKey ? 0 : k === 'label' ? 1 : k === 'reported' ? 3 : 2);
  return rows.map((s) => ({ simulator: s.simulator, value: s.value })).sort((a, b) => rank(a.simulator) - rank(b.simulator));
}

/** The score under a given simulator (falling back to the file's reported one for imported runs), or null. */
export function scoreUnder(e: Explanation, split: 'val' | 'test', key: string): { simulator: string; value: number } | null {
  const rows = scoresBySimulator(e, split, key);
  return rows.find((r) => r.simulator === key) ?? rows.find((r) => r.simulator === 'reported') ?? null;
}

/** Pearson correlation of two equal-length lists (null when undefined: fewer than 2 points or a constant list). */
export const pearson = (x: readonly number[], y: readonly number[]): number | null => pearsonOrNull(x, y);
