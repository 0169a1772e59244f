import type { ExplainMethod } from './contract';

// Names of explanation methods as people read them, one table for the app and the reports.

export const METHOD_LABEL: Record<string, string> = {
  le_label: 'LE (labels)',
  le_siglip: 'LE(SigLIP)',
  best_concept: 'Best single concept',
  top5: 'Top-5 (no search)',
  imported: 'Imported',
  dnd: 'DnD',
  dnd_label2: 'DnD label 2',
  dnd_label3: 'DnD label 3',
  dnd_labels: 'DnD (3 labels)',
  clip_dissect: 'CLIP-Dissect',
  netdissect: 'NetDissect',
  milan: 'MILAN',
};

export const METHOD_HINT: Record<string, string> = {
  le_label: 'Linear Explanation: elastic-net ranking, then greedy search on the val split',
  le_siglip: 'Linear Explanation over image-text concepts: P from a calibrated SigLIP/CLIP encoder',
  best_concept: 'baseline: the one concept whose label best correlates with the neuron',
  top5: 'baseline: the 5 highest-ranked concepts fitted together, without the greedy search',
  imported: 'explanation read from a file',
  dnd: "Describe-and-Dissect: the best label of a neuron's captions, candidates and generated images",
  dnd_label2: 'Describe-and-Dissect: the second label',
  dnd_label3: 'Describe-and-Dissect: the third label',
  dnd_labels: 'Describe-and-Dissect: the labels together, as one explanation',
  clip_dissect: 'CLIP-Dissect: the concept of a concept set that best matches the top images (soft-WPMI)',
  netdissect: "NetDissect (imported): the segmentation label whose mask best overlaps the unit's (IoU)",
  milan: 'MILAN (imported): a description written by a captioner trained on human neuron descriptions',
};

/** The explanation methods a run of each kind stores per neuron, its own first (what the comparisons can read). */
export const RUN_METHODS: Record<string, readonly ExplainMethod[]> = {
  le_label: ['le_label', 'best_concept', 'top5'],
  le_siglip: ['le_siglip', 'best_concept', 'top5'],
  dnd: ['dnd', 'dnd_label2', 'dnd_label3', 'dnd_labels'],
};

/** Any explanation method's label (unknown names as they are). */
export function methodLabel(m: string): string {
  return METHOD_LABEL[m] ?? m;
}
