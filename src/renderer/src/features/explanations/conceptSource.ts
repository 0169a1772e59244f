import type { ConceptSource } from '../../../../shared/contract';

/** The wizard's concept source as the user edits it; `toConceptSource` is null until it is complete. */
export type SourceDraft = { kind: 'labels' } | { kind: 'encoder'; encoderId: number | null; conceptSetId: number | null; filter: boolean };

export function toConceptSource(d: SourceDraft): ConceptSource | null {
  if (d.kind === 'labels') return { kind: 'labels' };
  return d.encoderId === null || d.conceptSetId === null
    ? null
    : { kind: 'encoder', encoderId: d.encoderId, conceptSetId: d.conceptSetId, filter: d.filter };
}
