import { idParam } from '../../lib/router';

// Rating studies: #/ratings (studies of the first layer), #/ratings/layer/5 (studies of activation set 5 and a form
// to make one), #/ratings/study/3?rater=ana (ana rates study 3: a link that resumes where she stopped) and
// #/ratings/study/3/results (the methods revealed).

export type RatingsRoute =
  | { screen: 'ratings'; view: 'layer'; setId?: number }
  | { screen: 'ratings'; view: 'rate'; studyId: number; rater?: string }
  | { screen: 'ratings'; view: 'results'; studyId: number };

export const ratingsRoute = {
  home: { screen: 'ratings', view: 'layer' } as RatingsRoute,
  parse([a, b, c]: string[], query?: URLSearchParams): RatingsRoute | null {
    if (a === undefined) return { screen: 'ratings', view: 'layer' };
    const id = idParam(b);
    if (id === undefined) return null;
    if (a === 'layer') return { screen: 'ratings', view: 'layer', setId: id };
    if (a !== 'study') return null;
    if (c === 'results') return { screen: 'ratings', view: 'results', studyId: id };
    const rater = query?.get('rater')?.trim();
    return { screen: 'ratings', view: 'rate', studyId: id, ...(rater ? { rater } : {}) };
  },
  format(r: RatingsRoute): string[] {
    if (r.view === 'layer') return r.setId === undefined ? [] : ['layer', String(r.setId)];
    return ['study', String(r.studyId), ...(r.view === 'results' ? ['results'] : [])];
  },
  query(r: RatingsRoute): Array<[string, string]> {
    return r.view === 'rate' && r.rater ? [['rater', r.rater]] : [];
  },
};
