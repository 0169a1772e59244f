import { idParam } from '../../lib/router';

// Probe sets: #/probes (the first set, or the import form when there is none), #/probes/add, #/probes/3 and
// #/probes/3/label/7 (the grid filtered to one class or superclass).
export type ProbesRoute =
  | { screen: 'probes'; view: 'default' }
  | { screen: 'probes'; view: 'add' }
  | { screen: 'probes'; view: 'set'; probeSetId: number; labelId?: number };

export const probesRoute = {
  home: { screen: 'probes', view: 'default' } as ProbesRoute,
  parse([a, b, c]: string[]): ProbesRoute | null {
    if (a === undefined) return { screen: 'probes', view: 'default' };
    if (a === 'add') return { screen: 'probes', view: 'add' };
    const probeSetId = idParam(a);
    if (probeSetId === undefined) return null;
    const labelId = b === 'label' ? idParam(c) : undefined;
    return { screen: 'probes', view: 'set', probeSetId, ...(labelId !== undefined ? { labelId } : {}) };
  },
  format(r: ProbesRoute): string[] {
    if (r.view === 'default') return [];
    if (r.view === 'add') return ['add'];
    return r.labelId !== undefined ? [String(r.probeSetId), 'label', String(r.labelId)] : [String(r.probeSetId)];
  },
};
