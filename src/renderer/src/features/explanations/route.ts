import { idParam, indexParam } from '../../lib/router';

// Explanations: #/explanations (the newest run, or the wizard when there is none), #/explanations/new (the wizard),
// #/explanations/run/3 (results) and #/explanations/run/3/neuron/42 (the neuron page of a run).
// A unit's own address names model, layer (activation set) and unit, and optionally the run whose explanations
// are shown: #/explanations/model/2/layer/5/unit/42?run=3 (without run=: the layer's newest run).
// Side by side: #/explanations/compare?a=5:42:3&b=6:7 (two units, layer:unit[:run]) and
// #/explanations/agree?a=3&b=4 (two explain runs of one layer: agreement of top concepts, score differences).

/** A unit: its layer (activation set), its index, and the run whose explanations are shown (default: the newest). */
export interface UnitRef {
  setId: number;
  neuron: number;
  runId?: number;
}

export type ExplanationsRoute =
  | { screen: 'explanations'; view: 'default' }
  | { screen: 'explanations'; view: 'new' }
  | { screen: 'explanations'; view: 'run'; runId: number; neuron?: number }
  | { screen: 'explanations'; view: 'unit'; modelId: number; setId: number; neuron: number; runId?: number }
  | { screen: 'explanations'; view: 'compare'; a?: UnitRef; b?: UnitRef }
  | { screen: 'explanations'; view: 'agree'; a?: number; b?: number };

/** "5:42:3" -> { setId 5, neuron 42, runId 3 } (the run is optional). */
export function parseUnitRef(s: string | null): UnitRef | undefined {
  const m = s === null ? null : /^([1-9]\d{0,14}):(0|[1-9]\d{0,14})(?::([1-9]\d{0,14}))?$/.exec(s);
  if (!m) return undefined;
  return { setId: Number(m[1]), neuron: Number(m[2]), ...(m[3] ? { runId: Number(m[3]) } : {}) };
}

export const formatUnitRef = (u: UnitRef): string => `${u.setId}:${u.neuron}${u.runId !== undefined ? `:${u.runId}` : ''}`;

export const explanationsRoute = {
  home: { screen: 'explanations', view: 'default' } as ExplanationsRoute,
  parse(segments: string[], query?: URLSearchParams): ExplanationsRoute | null {
    const [a, b, c, d] = segments;
    if (a === undefined) return { screen: 'explanations', view: 'default' };
    if (a === 'new') return { screen: 'explanations', view: 'new' };
    if (a === 'model') {
      const [, m, l, layer, u, unit] = segments;
      const modelId = idParam(m);
      const setId = l === 'layer' ? idParam(layer) : undefined;
      const neuron = u === 'unit' ? indexParam(unit) : undefined;
      if (modelId === undefined || setId === undefined || neuron === undefined) return null;
      const runId = idParam(query?.get('run') ?? undefined);
      return { screen: 'explanations', view: 'unit', modelId, setId, neuron, ...(runId !== undefined ? { runId } : {}) };
    }
    if (a === 'compare') {
      const x = parseUnitRef(query?.get('a') ?? null);
      const y = parseUnitRef(query?.get('b') ?? null);
      return { screen: 'explanations', view: 'compare', ...(x ? { a: x } : {}), ...(y ? { b: y } : {}) };
    }
    if (a === 'agree') {
      const x = idParam(query?.get('a') ?? undefined);
      const y = idParam(query?.get('b') ?? undefined);
      return { screen: 'explanations', view: 'agree', ...(x !== undefined ? { a: x } : {}), ...(y !== undefined ? { b: y } : {}) };
    }
    const runId = a === 'run' ? idParam(b) : undefined;
    if (runId === undefined) return null;
    const neuron = c === 'neuron' ? indexParam(d) : undefined;
    return { screen: 'explanations', view: 'run', runId, ...(neuron !== undefined ? { neuron } : {}) };
  },
  format(r: ExplanationsRoute): string[] {
    if (r.view === 'default') return [];
    if (r.view === 'new') return ['new'];
    if (r.view === 'unit') return ['model', String(r.modelId), 'layer', String(r.setId), 'unit', String(r.neuron)];
    if (r.view === 'compare' || r.view === 'agree') return [r.view];
    return r.neuron !== undefined ? ['run', String(r.runId), 'neuron', String(r.neuron)] : ['run', String(r.runId)];
  },
  query(r: ExplanationsRoute): Array<[string, string]> {
    if (r.view === 'unit') return r.runId !== undefined ? [['run', String(r.runId)]] : [];
    if (r.view === 'compare')
      return [
        ...(r.a ? [['a', formatUnitRef(r.a)] as [string, string]] : []),
        ...(r.b ? [['b', formatUnitRef(r.b)] as [string, string]] : []),
      ];
    if (r.view === 'agree')
      return [
        ...(r.a !== undefined ? [['a', String(r.a)] as [string, string]] : []),
        ...(r.b !== undefined ? [['b', String(r.b)] as [string, string]] : []),
      ];
    return [];
  },
  /** The wizard keeps its steps in memory only: coming back to the screen shows its default view instead. */
  remember: (r: ExplanationsRoute): ExplanationsRoute => (r.view === 'new' ? { screen: 'explanations', view: 'default' } : r),
};
