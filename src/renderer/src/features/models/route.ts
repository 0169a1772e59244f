import { idParam, indexParam } from '../../lib/router';

// Models: #/models (the first model, or the add form), #/models/add, #/models/2 (overview), #/models/2/layers,
// #/models/2/preprocessing, #/models/2/activations, #/models/2/set/5 (an activation set's neurons) and
// #/models/2/set/5/neuron/7 (one neuron's histogram).
export const MODEL_TABS = ['overview', 'layers', 'preprocessing', 'activations'] as const;
export type ModelTab = (typeof MODEL_TABS)[number];

export type ModelsRoute =
  | { screen: 'models'; view: 'default' }
  | { screen: 'models'; view: 'add' }
  | { screen: 'models'; view: 'model'; modelId: number; tab: ModelTab; setId?: number; neuron?: number };

function isTab(s: string | undefined): s is ModelTab {
  return (MODEL_TABS as readonly string[]).includes(s ?? '');
}

export const modelsRoute = {
  home: { screen: 'models', view: 'default' } as ModelsRoute,
  parse([a, b, c, d, e]: string[]): ModelsRoute | null {
    if (a === undefined) return { screen: 'models', view: 'default' };
    if (a === 'add') return { screen: 'models', view: 'add' };
    const modelId = idParam(a);
    if (modelId === undefined) return null;
    if (b === 'set') {
      const setId = idParam(c);
      if (setId === undefined) return null;
      const neuron = d === 'neuron' ? indexParam(e) : undefined;
      return { screen: 'models', view: 'model', modelId, tab: 'activations', setId, ...(neuron !== undefined ? { neuron } : {}) };
    }
    return { screen: 'models', view: 'model', modelId, tab: isTab(b) ? b : 'overview' };
  },
  format(r: ModelsRoute): string[] {
    if (r.view === 'default') return [];
    if (r.view === 'add') return ['add'];
    const id = String(r.modelId);
    if (r.tab === 'activations' && r.setId !== undefined) {
      return r.neuron !== undefined ? [id, 'set', String(r.setId), 'neuron', String(r.neuron)] : [id, 'set', String(r.setId)];
    }
    return r.tab === 'overview' ? [id] : [id, r.tab];
  },
};
