import { idParam, indexParam } from '../../lib/router';

// Explanations: #/explanations (the newest run, or the wizard when there is none), #/explanations/new (the wizard),
// #/explanations/run/3 (results) and #/explanations/run/3/neuron/42 (the neuron page).
export type ExplanationsRoute =
  | { screen: 'explanations'; view: 'default' }
  | { screen: 'explanations'; view: 'new' }
  | { screen: 'explanations'; view: 'run'; runId: number; neuron?: number };

export const explanationsRoute = {
  home: { screen: 'explanations', view: 'default' } as ExplanationsRoute,
  parse([a, b, c, d]: string[]): ExplanationsRoute | null {
    if (a === undefined) return { screen: 'explanations', view: 'default' };
    if (a === 'new') return { screen: 'explanations', view: 'new' };
    const runId = a === 'run' ? idParam(b) : undefined;
    if (runId === undefined) return null;
    const neuron = c === 'neuron' ? indexParam(d) : undefined;
    return { screen: 'explanations', view: 'run', runId, ...(neuron !== undefined ? { neuron } : {}) };
  },
  format(r: ExplanationsRoute): string[] {
    if (r.view === 'default') return [];
    if (r.view === 'new') return ['new'];
    return r.neuron !== undefined ? ['run', String(r.runId), 'neuron', String(r.neuron)] : ['run', String(r.runId)];
  },
  /** The wizard keeps its steps in memory only: coming back to the screen shows its default view instead. */
  remember: (r: ExplanationsRoute): ExplanationsRoute => (r.view === 'new' ? { screen: 'explanations', view: 'default' } : r),
};
