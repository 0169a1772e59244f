import { idParam } from '../../lib/router';

// Compare methods: #/compare (the first layer with extracted activations) and #/compare/layer/5 (every method's mean
// scores of activation set 5 side by side).

export type CompareRoute = { screen: 'compare'; setId?: number };

export const compareRoute = {
  home: { screen: 'compare' } as CompareRoute,
  parse([a, b]: string[]): CompareRoute | null {
    if (a === undefined) return { screen: 'compare' };
    const setId = a === 'layer' ? idParam(b) : undefined;
    return setId === undefined ? null : { screen: 'compare', setId };
  },
  format(r: CompareRoute): string[] {
    return r.setId === undefined ? [] : ['layer', String(r.setId)];
  },
};
