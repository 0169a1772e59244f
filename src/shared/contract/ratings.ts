import { z } from 'zod';
import { method } from '../define';
import { FilePath, Id, Neuron, Overwrite } from './schemas';
import { MeanSE } from './ablation';
import { ExplainMethod } from './explanations';

// The blind rating study (issue #15; docs/compare.md): people rate 1-5 how well each label describes a neuron's top
// images, not knowing which method gave which label, the way the Describe-and-Dissect authors judged methods.
// Core: src/main/core/features/ratings/.

/** A rater's name within a study (their ratings are theirs; several raters share a project). */
export const RaterName = z
  .string()
  .trim()
  .min(1, 'a rater name is required')
  .max(60)
  .regex(/^[^\p{Cc}]*$/u, 'a rater name has no control characters');

export const RatingStudy = z.object({
  id: Id,
  activationSetId: Id,
  /** The layer's tensor name. */
  layer: z.string(),
  name: z.string(),
  seed: z.number().int(),
  createdAt: z.string(),
  /** The runs compared and the explanation method read from each. */
  runs: z.array(z.object({ runId: Id, method: ExplainMethod })),
  topImages: z.number().int(),
  neurons: z.number().int(),
  /** Labels to rate (a text two methods gave the same neuron is one item). */
  items: z.number().int(),
  raters: z.array(z.object({ name: z.string(), rated: z.number().int() })),
});
export type RatingStudy = z.infer<typeof RatingStudy>;

/** What a rater sees: neurons in the study's order, each neuron's labels in a seeded random order, no method names. */
export const RatingSheet = z.object({
  studyId: Id,
  name: z.string(),
  activationSetId: Id,
  layer: z.string(),
  rater: z.string(),
  rated: z.number().int(),
  total: z.number().int(),
  neurons: z.array(
    z.object({
      neuron: Neuron,
      /** The neuron's most activating probe images, best first (frozen when the study was made). */
      topImageIds: z.array(Id),
      items: z.array(z.object({ itemId: Id, label: z.string(), score: z.number().int().min(1).max(5).nullable() })),
    }),
  ),
});
export type RatingSheet = z.infer<typeof RatingSheet>;

const Source = z.object({ runId: Id, method: ExplainMethod });

export const RatingResults = z.object({
  studyId: Id,
  name: z.string(),
  activationSetId: Id,
  layer: z.string(),
  raters: z.array(z.object({ name: z.string(), rated: z.number().int() })),
  /** Per run and method: mean rating +- SE over its labels (each label's rating averaged over its raters first). */
  methods: z.array(
    Source.extend({
      /** Labels of this method in the study, and how many of them someone rated. */
      items: z.number().int(),
      rated: MeanSE,
      /** Ratings given to its labels (all raters). */
      ratings: z.number().int(),
      /** Each rater's own mean for this method (null: rated none of its labels). */
      raterMeans: z.record(z.string(), z.number().nullable()),
    }),
  ),
  agreement: z.object({
    /** Labels rated by at least two raters (the only ones agreement is computed on). */
    pairableItems: z.number().int(),
    /** Krippendorff's alpha with the ordinal and the interval metric; null when undefined (see docs/compare.md). */
    alphaOrdinal: z.number().nullable(),
    alphaInterval: z.number().nullable(),
    pairs: z.array(
      z.object({
        a: z.string(),
        b: z.string(),
        shared: z.number().int(),
        pearson: z.number().nullable(),
        /** Share of shared labels given the same score, and scores at most one apart. */
        exact: z.number().nullable(),
        withinOne: z.number().nullable(),
      }),
    ),
  }),
  neurons: z.array(
    z.object({
      neuron: Neuron,
      items: z.array(z.object({ label: z.string(), sources: z.array(Source), mean: z.number().nullable(), n: z.number().int() })),
    }),
  ),
});
export type RatingResults = z.infer<typeof RatingResults>;

const StudyRef = z.object({ studyId: Id });

export const ratingMethods = {
  'ratings.create': method(
    'Make a blind rating study of a layer: some neurons (given, or a seeded sample of those every run labelled), each with the labels the runs gave it in a seeded random order, without method names; a text two methods gave is shown once. The labels and top images are frozen in the study.',
    z.object({
      activationSetId: Id,
      runs: z
        .array(z.object({ runId: Id, method: ExplainMethod.optional() }))
        .min(1)
        .max(12),
      name: z.string().trim().min(1).max(120).optional(),
      neurons: z.array(Neuron).min(1).max(2000).optional(),
      /** Neurons sampled when `neurons` is not given. */
      maxNeurons: z.number().int().min(1).max(2000).default(20),
      topImages: z.number().int().min(1).max(24).default(8),
      seed: z.number().int().min(0).max(0xffffffff).default(0),
    }),
    RatingStudy,
  ),
  'ratings.studies': method(
    'Rating studies of the project (or of one activation set), newest first, with each rater’s progress.',
    z.object({ activationSetId: Id.optional() }),
    z.array(RatingStudy),
  ),
  'ratings.sheet': method(
    "A rater's sheet: every neuron's top images and labels in the study's order, with the rater's scores so far (a new name starts empty).",
    z.object({ studyId: Id, rater: RaterName }),
    RatingSheet,
  ),
  'ratings.rate': method(
    'Save (or, with score null, clear) one rating 1-5 of one label by one rater, at once; a new rater name is added to the study.',
    z.object({ studyId: Id, rater: RaterName, itemId: Id, score: z.number().int().min(1).max(5).nullable() }),
    z.object({ rated: z.number().int(), total: z.number().int() }),
  ),
  'ratings.results': method(
    "A study's results with the methods revealed: mean rating +- SE per run and method, each rater's means, rater agreement (Krippendorff's alpha, Pearson's r per pair), and every label's mean.",
    StudyRef,
    RatingResults,
  ),
  'ratings.export': method(
    'Write every rating of a study as CSV: one row per rating and source (study, layer, neuron, label, run, method, rater, score, rated_at).',
    z.object({ studyId: Id, path: FilePath, overwrite: Overwrite }),
    z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int() }),
  ),
  'ratings.delete': method('Delete a rating study and its ratings.', StudyRef, z.object({ deleted: z.boolean() })),
} as const;
