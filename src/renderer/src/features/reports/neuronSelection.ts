import { NEURON_SELECTION, SELECTION_SORT_KEYS } from '../../../../shared/contract/reports';

// The neuron selection of a report as the form edits it (a mode and its fields) and as the contract takes it (one
// text: all, none, bookmarked, top:N[:key], bottom:N[:key], 3,17,42). Checked with the contract's own pattern.

export type NeuronMode = 'top' | 'bottom' | 'all' | 'list' | 'bookmarked' | 'none';
export type SortKey = (typeof SELECTION_SORT_KEYS)[number];

export interface NeuronDraft {
  mode: NeuronMode;
  /** N of top / bottom, as typed. */
  n: string;
  by: SortKey;
  /** The list, as typed ("3, 17, 42"). */
  list: string;
}

/** The scores a top / bottom selection can rank by (the results table's sort keys, without the neuron number). */
export const RANK_KEYS: { key: SortKey; label: string }[] = [
  { key: 'testCorrelation', label: 'test correlation (LE)' },
  { key: 'valCorrelation', label: 'validation correlation (LE)' },
  { key: 'bestConceptTest', label: 'best single concept (test r)' },
  { key: 'top5Test', label: 'top-5 concepts (test r)' },
  { key: 'length', label: 'explanation length (concepts)' },
];

export const DEFAULT_NEURONS = 'top:20';

export function draftOf(text: string | undefined): NeuronDraft {
  const t = (text ?? DEFAULT_NEURONS).trim();
  const base: NeuronDraft = { mode: 'top', n: '20', by: 'testCorrelation', list: '' };
  if (t === 'all' || t === 'none' || t === 'bookmarked') return { ...base, mode: t };
  const m = /^(top|bottom):(\d+)(?::([a-zA-Z]+))?$/.exec(t);
  if (m) {
    const by = (SELECTION_SORT_KEYS as readonly string[]).includes(m[3] ?? '') ? (m[3] as SortKey) : 'testCorrelation';
    return { ...base, mode: m[1] as 'top' | 'bottom', n: m[2], by };
  }
  if (/^[\d,\s]+$/.test(t)) return { ...base, mode: 'list', list: t };
  return base;
}

/** The draft as the contract's text, or an error message saying what to fix. */
export function selectionOf(d: NeuronDraft): { text: string } | { error: string } {
  let text: string;
  if (d.mode === 'top' || d.mode === 'bottom') {
    const n = d.n.trim();
    if (!/^\d{1,7}$/.test(n) || Number(n) < 1) return { error: `N must be a whole number from 1 (got ${n ? `“${n}”` : 'nothing'}).` };
    text = `${d.mode}:${Number(n)}${d.by === 'testCorrelation' ? '' : `:${d.by}`}`;
  } else if (d.mode === 'list') {
    const items = d.list.split(/[\s,]+/).filter(Boolean);
    if (!items.length) return { error: 'Type neuron numbers, e.g. 3, 17, 42.' };
    const bad = items.find((s) => !/^\d{1,7}$/.test(s));
    if (bad) return { error: `“${bad}” is not a neuron number (0, 1, 2, …).` };
    text = items.map(Number).join(',');
  } else text = d.mode;
  return NEURON_SELECTION.test(text) ? { text } : { error: `“${text}” is not a selection the report understands.` };
}

/** The selection in words, for the summary line and the export button's title. */
export function describeSelection(text: string): string {
  const d = draftOf(text);
  if (d.mode === 'all') return 'every neuron';
  if (d.mode === 'none') return 'no neuron pages';
  if (d.mode === 'bookmarked') return 'bookmarked neurons';
  if (d.mode === 'list') return `neurons ${d.list.split(',').join(', ')}`;
  const by = RANK_KEYS.find((k) => k.key === d.by)?.label ?? d.by;
  return `${d.mode === 'top' ? 'top' : 'bottom'} ${d.n} by ${by}`;
}
