import { AppError } from '../../../../shared/errors';
import { ResultSortKey } from '../../../../shared/contract';
import type { z } from 'zod';

// The neuron selection of a report, from the words the app and the CLI share (contract/reports.ts):
// all | none | bookmarked | top:N[:key] | bottom:N[:key] | 3,17,42.

type SortKey = z.infer<typeof ResultSortKey>;

export type NeuronSelection =
  { kind: 'all' | 'none' | 'bookmarked' } | { kind: 'top' | 'bottom'; n: number; by: SortKey } | { kind: 'list'; neurons: number[] };

export function parseNeuronSelection(text: string): NeuronSelection {
  const t = text.trim();
  if (t === 'all' || t === 'none' || t === 'bookmarked') return { kind: t };
  const m = /^(top|bottom):(\d+)(?::([a-zA-Z]+))?$/.exec(t);
  if (m) {
    const by = m[3] ?? 'testCorrelation';
    if (!ResultSortKey.options.includes(by as SortKey))
      throw new AppError('bad_input', `--neurons ${t}: '${by}' is not a score to rank by; use one of ${ResultSortKey.options.join(', ')}.`);
    const n = Number(m[2]);
    if (n < 1) throw new AppError('bad_input', `--neurons ${t}: N must be at least 1.`);
    return { kind: m[1] as 'top' | 'bottom', n, by: by as SortKey };
  }
  if (/^\d+(,\d+)*$/.test(t)) return { kind: 'list', neurons: [...new Set(t.split(',').map(Number))] };
  throw new AppError(
    'bad_input',
    `--neurons '${text}' is not a selection: use all, none, bookmarked, top:N, bottom:N or a list like 3,17,42.`,
  );
}

export interface RankedRow {
  neuron: number;
  dead: boolean;
  value: number | null;
}

/**
 * The neurons of a selection, in report order: top/bottom by the score (dead neurons and missing scores last,
 * never chosen over a scored one; ties by neuron number), lists and bookmarks in neuron order.
 */
export function selectNeurons(sel: NeuronSelection, rows: RankedRow[], nNeurons: number, bookmarked: () => number[]): number[] {
  switch (sel.kind) {
    case 'none':
      return [];
    case 'all':
      return rows.map((r) => r.neuron).sort((a, b) => a - b);
    case 'bookmarked':
      return [...bookmarked()].sort((a, b) => a - b);
    case 'list': {
      const bad = sel.neurons.filter((k) => k >= nNeurons);
      if (bad.length)
        throw new AppError(
          'bad_input',
          `--neurons: neuron ${bad[0]} is out of range: the layer has ${nNeurons} neurons (0 to ${nNeurons - 1}).`,
        );
      return [...sel.neurons].sort((a, b) => a - b);
    }
    default: {
      const sign = sel.kind === 'top' ? -1 : 1;
      const scored = rows.filter((r) => !r.dead && r.value !== null && Number.isFinite(r.value));
      scored.sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.neuron - b.neuron);
      return scored.slice(0, sel.n).map((r) => r.neuron);
    }
  }
}
