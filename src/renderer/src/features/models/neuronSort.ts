import type { NeuronStat } from '../../../../shared/contract';

export type SortKey = 'neuron' | 'max' | 'mean' | 'std' | 'min' | 'zeroShare' | 'dead';
export interface Sort {
  key: SortKey;
  desc: boolean;
}

/** A sorted copy; ties keep neuron order so the table never reshuffles equal rows. */
export function sortStats(stats: readonly NeuronStat[], sort: Sort): NeuronStat[] {
  const value = (s: NeuronStat): number => (sort.key === 'dead' ? Number(s.dead) : s[sort.key]);
  const dir = sort.desc ? -1 : 1;
  return [...stats].sort((a, b) => {
    const d = value(a) - value(b);
    return d !== 0 ? d * dir : a.neuron - b.neuron;
  });
}
