import { idParam } from '../../lib/router';

// Describe-and-Dissect: #/dissect (the first layer with extracted activations) and #/dissect/layer/5 (the DnD wizard,
// the CLIP-Dissect form and the DnD / CLIP-Dissect runs of activation set 5).

export type DissectRoute = { screen: 'dissect'; setId?: number };

export const dissectRoute = {
  home: { screen: 'dissect' } as DissectRoute,
  parse([a, b]: string[]): DissectRoute | null {
    if (a === undefined) return { screen: 'dissect' };
    const setId = a === 'layer' ? idParam(b) : undefined;
    return setId === undefined ? null : { screen: 'dissect', setId };
  },
  format(r: DissectRoute): string[] {
    return r.setId === undefined ? [] : ['layer', String(r.setId)];
  },
};
