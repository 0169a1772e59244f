import { z } from 'zod';
import { method } from '../define';
import { Id, Neuron } from './schemas';

// Browsing units (issue #17): similar units of a layer (by activation, and by shared explanation concepts) and
// search by meaning across every run and method of the project. Spread into explainMethods (the explanations
// feature owns the neuron page and the results these read).

export const SimilarUnits = z.object({
  activationSetId: Id,
  neuron: z.number().int(),
  /** The images Pearson r is computed over: all of them, or a seeded sample when the set is large. */
  basis: z.object({
    kind: z.enum(['all', 'sample']),
    images: z.number().int(),
    of: z.number().int(),
    seed: z.number().int().nullable(),
    /** e.g. 'all 600 images' or 'a seeded sample of 4096 of 50000 images' */
    text: z.string(),
  }),
  /** Why `correlated` is empty, when it is (the neuron is constant or not finite on the basis). */
  note: z.string().nullable(),
  /** Units of the same layer with the largest Pearson r of activations over the basis (this one excluded), r descending. */
  correlated: z.array(z.object({ neuron: z.number().int(), r: z.number() })),
  /** Units left out because r is undefined for them (constant or non-finite over the basis). */
  excluded: z.number().int(),
  /** Units whose explanation in `run` shares a concept (same sign of weight) with this unit's; null without a run. */
  shared: z
    .object({
      runId: Id,
      method: z.string(),
      /** This unit's concepts in that run. */
      concepts: z.array(z.object({ concept: z.string(), weight: z.number() })),
      units: z.array(
        z.object({
          neuron: z.number().int(),
          shared: z.array(z.string()),
          text: z.string(),
          /** Test correlation of that unit's explanation under the run's own simulator. */
          testCorrelation: z.number().nullable(),
        }),
      ),
    })
    .nullable(),
});
export type SimilarUnits = z.infer<typeof SimilarUnits>;

export const SearchReason = z.enum(['exact', 'words', 'meaning']);
export type SearchReason = z.infer<typeof SearchReason>;

export const UnitSearchHit = z.object({
  runId: Id,
  /** The explanation's method (le_label, le_siglip, best_concept, top5, imported). */
  method: z.string(),
  activationSetId: Id,
  modelId: Id,
  modelName: z.string(),
  layer: z.string(),
  neuron: z.number().int(),
  /** The concept of the unit's explanation that matched. */
  concept: z.string(),
  weight: z.number(),
  /** exact: the concept is the query; words: every query word is a word of the concept; meaning: text-embedding cosine. */
  reason: SearchReason,
  /** Cosine of the query's and the concept's text embeddings (meaning matches; null otherwise). */
  similarity: z.number().nullable(),
  /** The whole explanation, e.g. "1.8 x footwear + 0.9 x Sandal, bias 0.1". */
  text: z.string(),
  /** Test correlation of the explanation under its run's own simulator. */
  testCorrelation: z.number().nullable(),
});
export type UnitSearchHit = z.infer<typeof UnitSearchHit>;

export const UnitSearchResult = z.object({
  query: z.string(),
  /** Distinct concepts over all explanations searched. */
  concepts: z.number().int(),
  explanations: z.number().int(),
  /** The encoder whose text tower ranked meaning matches, or null (with the reason in `note`). */
  encoder: z.object({ id: Id, name: z.string() }).nullable(),
  /** Query words the encoder does not know (its tokenizer gives the unknown token for them). */
  unknownWords: z.array(z.string()),
  note: z.string().nullable(),
  total: z.number().int(),
  hits: z.array(UnitSearchHit),
});
export type UnitSearchResult = z.infer<typeof UnitSearchResult>;

export const unitSearchMethods = {
  'neuron.similar': method(
    "Units of the same layer most correlated with one unit by activation (Pearson r over all images, or a seeded sample of 4096 when the set has more; the output says which), and units whose explanation in a run shares a concept with this unit's (default run: the layer's newest).",
    z.object({
      activationSetId: Id,
      neuron: Neuron,
      /** The explain run whose explanations are compared (default: the newest run of the set; none: no shared list). */
      runId: Id.optional(),
      limit: z.number().int().min(1).max(200).default(10),
    }),
    SimilarUnits,
  ),
  'neuron.search': method(
    "Search units by meaning across every explain run and method of the project: explanations whose concept is the text (exact), whose concept holds every word of it (words), then concepts nearest in meaning through a calibrated image-text encoder's text tower (cosine of text embeddings). One hit per run, method and unit: its best match.",
    z.object({
      text: z.string().trim().min(1).max(200),
      /** The encoder for meaning matches (default: the newest calibrated encoder whose files are present). */
      encoderId: Id.optional(),
      /** Leave meaning matches out (exact and word matches only). */
      meaning: z.boolean().default(true),
      /** Meaning matches: at most this many nearest concepts. */
      nearest: z.number().int().min(1).max(1000).default(20),
      /** Meaning matches: only concepts whose text cosine with the query is at least this. */
      minSimilarity: z.number().min(-1).max(1).default(0.1),
      limit: z.number().int().min(1).max(1000).default(50),
    }),
    UnitSearchResult,
  ),
} as const;
