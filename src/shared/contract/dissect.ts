import { z } from 'zod';
import { job, method } from '../define';
import { CaptionOptions, DescriberId } from './describers';
import { ShardInfo, ShardSpec } from './cluster';
import { ExplainRunInfo } from './explanations';
import { FilePath, Id, Neuron, Overwrite } from './schemas';

// Describe-and-Dissect (DnD) and CLIP-Dissect: labels of neurons from local generative models and from a concept set.
// Both store their labels as explain runs (methods 'dnd' and 'clip_dissect'), so the results table, the neuron page,
// simulate.run, ablation.run and the exports treat them exactly like Linear Explanations. A DnD neuron's whole chain
// (top images, crop boxes, captions, candidates, generated images, selection scores) is stored with it.
// Definitions: docs/methods.md; design: docs/dissect.md. Core: src/main/core/features/dissect/.

const Box = z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]);

/** Where a neuron's top images are cropped: Otsu threshold of its spatial map, external contours, boxes by area. */
export const CropSettings = z.object({
  /** At most this many crops per image (0 = no crops: the "no crops" ablation). */
  cropsPerImage: z.number().int().min(0).max(10).default(4),
  /** A kept box has IoU <= this with every other kept box. */
  maxIou: z.number().min(0).max(1).default(0.5),
  /** ... and IoU < this with the whole image. */
  maxWholeIou: z.number().min(0).max(1).default(0.8),
});

export const CropsOutput = z.object({
  activationSetId: Id,
  neuron: z.number().int(),
  /** 'none' when the layer has no spatial map (e.g. logits): the reason says why; no crops then. */
  kind: z.enum(['channel', 'tokens', 'none']),
  reason: z.string().nullable(),
  images: z.array(
    z.object({
      imageId: Id,
      relPath: z.string(),
      /** The image's own size: boxes are in its pixel coordinates, right/bottom exclusive. */
      width: z.number().int(),
      height: z.number().int(),
      /** Otsu threshold of the map normalised to [0, 1], on the 0..255 scale. */
      threshold: z.number(),
      /** Every external box, largest first, and the kept ones with the neuron's activation on each crop. */
      candidates: z.array(Box),
      crops: z.array(z.object({ box: Box, activation: z.number() })),
      /** The neuron's activation on the whole image (recomputed; equals the stored one up to rounding). */
      activation: z.number(),
    }),
  ),
  seconds: z.number(),
});
export type CropsOutput = z.infer<typeof CropsOutput>;

export const DndParamsSchema = z.object({
  activationSetId: Id,
  /** Neurons to describe (default: all of the layer). */
  neurons: z.array(Neuron).min(1).max(100_000).optional(),
  /** The image-text encoder of the selection (image similarities, label de-duplication, interpretability) and of CLIP captioning. */
  encoderId: Id,
  captionerId: DescriberId.optional(),
  languageModelId: DescriberId.optional(),
  generatorId: DescriberId.optional(),
  /** Seeds of the language model's shuffles and samples and of the generated images; stored with the run. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1024)
    .default(0),
  /** Seed of the train/val/test split the labels are scored on. */
  splitSeed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Step 1: the neuron's top probe images, then crops; originals and crops re-ranked by the neuron, the best topImages captioned. */
  topImages: z.number().int().min(1).max(50).default(10),
  ...CropSettings.shape,
  /** Step 2: 'captioner' (the default) or 'concepts': the nearest concept of a concept set per image under the encoder ("CLIP captioning"). */
  captioning: z.enum(['captioner', 'concepts']).default('captioner'),
  conceptSetId: Id.optional(),
  ...CaptionOptions.shape,
  /** Optional per-caption simplification by the language model before summarising. */
  simplify: z.boolean().default(false),
  /** false: the captions themselves are the candidates (the "no summary" ablation). */
  summarise: z.boolean().default(true),
  candidates: z.number().int().min(1).max(10).default(5),
  temperature: z.number().min(0).max(2).default(0.3),
  /** Override the prompts written in docs/dissect.md ({captions} and {caption} are replaced). */
  summarisePrompt: z.string().min(1).max(20_000).optional(),
  simplifyPrompt: z.string().min(1).max(20_000).optional(),
  /** Step 3: false keeps the first candidates as labels (the "no selection" ablation; no images are generated). */
  select: z.boolean().default(true),
  imagesPerConcept: z.number().int().min(1).max(50).default(10),
  promptTemplate: z
    .string()
    .max(500)
    .refine((s) => s.includes('{concept}'), 'the prompt template must contain {concept}')
    .default('One realistic image of {concept}'),
  steps: z.number().int().min(1).max(200).default(50),
  guidance: z.number().min(1).max(30).default(7.5),
  scheduler: z.enum(['config', 'ddim', 'euler']).default('config'),
  /** The rank term averages the squares of a candidate's beta best ranks; the weight term uses the global top topGlobal images. */
  beta: z.number().int().min(1).max(50).default(5),
  topGlobal: z.number().int().min(1).max(500).default(10),
  labels: z.number().int().min(1).max(3).default(3),
  /** A label whose text similarity to a better one exceeds this is dropped. */
  maxLabelSimilarity: z.number().min(-1).max(1).default(0.81),
  /**
   * Compute only shard index/count of the neurons into a shard file, with its own model-call caches; project.merge
   * folds the labels, chains and generated images in (docs/cluster.md). Needs the split stored.
   */
  shard: ShardSpec.optional(),
});
export type DndParamsInput = z.input<typeof DndParamsSchema>;
export type DndParams = z.output<typeof DndParamsSchema>;

const Seconds = z.record(z.string(), z.number());

/** Everything DnD did for one neuron, in order: nothing is a black box. */
export const DndChain = z.object({
  runId: Id,
  neuron: z.number().int(),
  status: z.enum(['done', 'pending', 'dead', 'skipped']),
  /** Why a neuron has no labels (dead, non-finite activations, no candidate survived), else null. */
  note: z.string().nullable(),
  /** Step 1: the neuron's top probe images (stored activations) with their crop boxes and the activations on them. */
  probe: z.array(
    z.object({
      imageId: Id,
      relPath: z.string(),
      width: z.number().int(),
      height: z.number().int(),
      activation: z.number(),
      threshold: z.number().nullable(),
      crops: z.array(z.object({ box: Box, activation: z.number() })),
    }),
  ),
  /** The images captioned (originals and crops re-ranked by the neuron), with their captions (or nearest concepts). */
  captioned: z.array(
    z.object({
      imageId: Id,
      box: Box.nullable(),
      activation: z.number(),
      caption: z.string(),
      simplified: z.string().nullable(),
    }),
  ),
  /** Step 2: the language model's answers and the candidates after post-processing (lowercase, no trailing period, de-duplicated). */
  answers: z.array(z.object({ call: z.number().int(), seed: z.number().int(), text: z.string(), concept: z.string().nullable() })),
  candidates: z.array(z.string()),
  /** Step 3: per candidate, its generated images with the neuron's activation and global rank, and the selection terms. */
  selection: z.array(
    z.object({
      concept: z.string(),
      prompt: z.string(),
      images: z.array(
        z.object({ generatedId: Id, seed: z.number().int(), activation: z.number(), rank: z.number().int(), inTop: z.boolean() }),
      ),
      rankTerm: z.number(),
      conceptRank: z.number(),
      weight: z.number(),
      score: z.number(),
    }),
  ),
  labels: z.array(z.object({ concept: z.string(), score: z.number().nullable() })),
  dropped: z.array(z.object({ concept: z.string(), similarTo: z.string(), similarity: z.number() })),
  /** Mean pairwise similarity of the top images' embeddings under the encoder (distinct pairs). */
  interpretability: z.number().nullable(),
  seconds: Seconds,
});
export type DndChain = z.infer<typeof DndChain>;

export const ClipDissectVariant = z.enum(['soft_wpmi', 'wpmi', 'cos']);

export const ClipDissectParamsSchema = z.object({
  activationSetId: Id,
  encoderId: Id,
  conceptSetId: Id,
  variant: ClipDissectVariant.default('soft_wpmi'),
  /** The neurons scored together (default: all of the layer): soft-WPMI's log P(t) is over exactly these, so a label depends on the set. */
  neurons: z.array(Neuron).min(1).max(1_000_000).optional(),
  /** Top images per neuron (soft-WPMI 100, WPMI 28 when left out). */
  topK: z.number().int().min(1).max(10_000).optional(),
  /** Weight of log P(t) (soft-WPMI 1.0, WPMI 0.6 when left out). */
  lambda: z.number().min(0).max(10).optional(),
  splitSeed: z.number().int().min(0).max(0xffffffff).default(0),
  /**
   * Compute only shard index/count of the neurons into a shard file: soft_wpmi, wpmi: log P(t | B_j) of its neurons,
   * project.merge labels all neurons together; cos: its neurons' labels, which the merge copies. Either way equal to
   * the single run. Needs the split and the embeddings stored.
   */
  shard: ShardSpec.optional(),
});
export type ClipDissectParamsInput = z.input<typeof ClipDissectParamsSchema>;

/** The label files labels.import reads (methods.md "Interchange formats"; docs/dissect.md). */
export const LabelFormat = z.enum(['netdissect', 'milan', 'clip_dissect', 'dnd']);
export type LabelFormat = z.infer<typeof LabelFormat>;

const RunResult = z.object({
  run: ExplainRunInfo,
  seconds: z.number(),
  /** True when an identical finished run existed and was returned without computing. */
  reused: z.boolean(),
  shard: ShardInfo.optional(),
});

export const dissectMethods = {
  'activations.crops': method(
    "Describe-and-Dissect's attention crops of a neuron on probe images: its spatial map normalised to [0, 1], upsampled to the image, Otsu threshold, external contours, boxes by area (at most cropsPerImage with IoU <= maxIou to each other and < maxWholeIou to the whole image), with the neuron's activation on each crop.",
    z.object({ activationSetId: Id, neuron: Neuron, imageIds: z.array(Id).min(1).max(100), ...CropSettings.shape }),
    CropsOutput,
  ),
  'dnd.run': job(
    'Describe-and-Dissect labels for neurons of a layer: top images and attention crops, captions, candidate concepts from the language model, images generated per candidate ranked by the neuron, best-concept selection; up to 3 labels per neuron, scored under the label simulator when they are labels. Every stage can be switched off. Resumable per neuron; the same call again returns or continues the run.',
    DndParamsSchema,
    RunResult.extend({ stageSeconds: Seconds }),
  ),
  'dnd.chain': method(
    "One neuron's Describe-and-Dissect chain: top images with crop boxes, captions, candidates, generated images with activations, selection scores, labels.",
    z.object({ runId: Id, neuron: Neuron }),
    DndChain,
  ),
  'clipDissect.run': job(
    'CLIP-Dissect labels for neurons of a layer from cached embeddings of the probe images and a concept set under an image-text encoder (soft-WPMI as in the reference; WPMI and cosine variants). The neurons scored together are recorded: a label depends on them.',
    ClipDissectParamsSchema,
    RunResult,
  ),
  'dissect.export': method(
    "Write a DnD or CLIP-Dissect run in the reference format: DnD 'labels' (Neuron ID, Label 1, Label 2, Label 3) or 'candidates' (Neuron ID, Concept 0..4); CLIP-Dissect 'descriptions' (layer, unit, description, similarity).",
    z.object({ runId: Id, format: z.enum(['labels', 'candidates', 'descriptions']), path: FilePath, overwrite: Overwrite }),
    z.object({ path: z.string(), rows: z.number().int(), bytes: z.number().int() }),
  ),
  'labels.import': method(
    "Import another tool's neuron labels in its own format as an explain run of that method for an activation set: NetDissect tally.csv (unit 1-based there, 0-based here), MILAN descriptions (layer, unit, description), CLIP-Dissect descriptions.csv, DnD final_results.csv (Neuron ID, Label 1..3). Scored under the label simulator where a label is a probe label; the same file again returns the same run.",
    z.object({
      activationSetId: Id,
      path: FilePath,
      /** Default: detected from the header (the output says which). */
      format: LabelFormat.optional(),
      /** Rows of this layer only (files with a layer column and several layers). */
      layer: z.string().min(1).optional(),
      /** Import a file whose layer name differs from the activation set's layer (refused otherwise). */
      allowLayerMismatch: z.boolean().default(false),
      splitSeed: z.number().int().min(0).max(0xffffffff).default(0),
    }),
    z.object({
      run: ExplainRunInfo,
      format: LabelFormat,
      rows: z.number().int(),
      /** Explanations scored under the label simulator (those whose every label is a probe label). */
      scored: z.number().int(),
      warnings: z.array(z.string()),
    }),
  ),
} as const;
