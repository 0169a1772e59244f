import { idParam } from '../../lib/router';

// Generative models: #/generative (the captioner tab), #/generative/language-model, #/generative/image-generator/2 (one
// model of a role selected: its details and its Try panel). The library is app-wide, so the ids stay valid across
// projects on this machine.

export type GenerativeRole = 'captioner' | 'language_model' | 'image_generator' | 'text_embedder';

export type GenerativeRoute = { screen: 'generative'; role: GenerativeRole; describerId?: number };

const SEGMENTS: Record<GenerativeRole, string> = {
  captioner: 'captioner',
  language_model: 'language-model',
  image_generator: 'image-generator',
  text_embedder: 'text-embedder',
};

const ROLE_OF = new Map(Object.entries(SEGMENTS).map(([role, seg]) => [seg, role as GenerativeRole]));

export const generativeRoute = {
  home: { screen: 'generative', role: 'captioner' } as GenerativeRoute,
  parse([a, b]: string[]): GenerativeRoute | null {
    if (a === undefined) return { screen: 'generative', role: 'captioner' };
    const role = ROLE_OF.get(a);
    if (!role) return null;
    const describerId = idParam(b);
    return { screen: 'generative', role, ...(describerId !== undefined ? { describerId } : {}) };
  },
  format(r: GenerativeRoute): string[] {
    return r.describerId !== undefined ? [SEGMENTS[r.role], String(r.describerId)] : r.role === 'captioner' ? [] : [SEGMENTS[r.role]];
  },
};
