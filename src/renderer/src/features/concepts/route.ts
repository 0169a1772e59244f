import { idParam } from '../../lib/router';

// Concepts: #/concepts (encoders tab), #/concepts/encoders/2 (one encoder: tokenizer, calibration), #/concepts/sets
// and #/concepts/sets/4 (one concept set and its top-5 filter).
export type ConceptsRoute =
  { screen: 'concepts'; tab: 'encoders'; encoderId?: number } | { screen: 'concepts'; tab: 'sets'; conceptSetId?: number };

export const conceptsRoute = {
  home: { screen: 'concepts', tab: 'encoders' } as ConceptsRoute,
  parse([a, b]: string[]): ConceptsRoute | null {
    if (a === undefined || a === 'encoders') {
      const encoderId = idParam(b);
      return { screen: 'concepts', tab: 'encoders', ...(encoderId !== undefined ? { encoderId } : {}) };
    }
    if (a === 'sets') {
      const conceptSetId = idParam(b);
      return { screen: 'concepts', tab: 'sets', ...(conceptSetId !== undefined ? { conceptSetId } : {}) };
    }
    return null;
  },
  format(r: ConceptsRoute): string[] {
    if (r.tab === 'encoders') return r.encoderId !== undefined ? ['encoders', String(r.encoderId)] : [];
    return r.conceptSetId !== undefined ? ['sets', String(r.conceptSetId)] : ['sets'];
  },
};
