import type { RunInfo } from './types';

// A run's parameters in words for its header (the raw values stay one click away, in "All parameters").

const num = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));

export function paramsInWords(run: RunInfo, encoderName: (id: number) => string): string[] {
  const p = run.params;
  if (run.method === 'imported') {
    return [
      `imported from ${typeof p.path === 'string' ? p.path : 'a file'}${typeof p.layer === 'string' ? ` (rows of layer ${p.layer})` : ''}`,
      p.scored === true ? 'scored here under the label simulator' : 'not scored here (concepts are not all labels)',
      ...(p.layerMismatch === true ? [`the file's layer ${String(p.fileLayer)} differs from this activation set's`] : []),
      `split seed ${num(p.seed)}`,
    ];
  }
  const src = p.conceptSource as { kind?: string; encoderId?: number; conceptSetId?: number; filter?: boolean } | undefined;
  const out: string[] = [];
  if (src?.kind === 'encoder' && typeof src.encoderId === 'number')
    out.push(
      `concepts: concept set #${src.conceptSetId} scored by ${encoderName(src.encoderId)}${src.filter === false ? '' : ', top-5 filter on'}`,
    );
  else out.push('concepts: the probe set’s labels (classes, superclasses, CSV labels)');
  out.push(
    p.lambdaSelection === 'val' ? 'penalty λ chosen per unit on the val split' : `penalty λ = ${num(p.lambda)} (fixed)`,
    `L1 share η = ${num(p.eta)}`,
    `at most ${num(p.maxConcepts)} concepts, ${num(p.width)} candidates per round`,
    `stop when val r gains less than ${num(p.eps)}`,
    `concepts ranked by ${p.order === 'abs' ? '|correlation| (negative terms possible)' : 'signed correlation'}`,
    `split seed ${num(p.seed)}`,
  );
  if (Array.isArray(p.neurons)) out.push(`${p.neurons.length} chosen units`);
  if (Array.isArray(p.skippedNonFinite) && p.skippedNonFinite.length)
    out.push(`${p.skippedNonFinite.length} units skipped (NaN/Inf activations)`);
  return out;
}
