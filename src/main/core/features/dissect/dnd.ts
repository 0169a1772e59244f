import { join } from 'node:path';
import type { DndChain, DndParams } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import {
  captionCached,
  completeCached,
  generateCached,
  probePixels,
  type Captioner,
  type ImageGenerator,
  type LanguageModel,
  type LibraryEntry,
} from '../describers';
import { unitActivation, unitContext, unitTensors, type HeatmapDeps } from '../models';
import { interpretability, selectConcepts } from '../../numeric/dissect';
import { seededShuffle } from '../../numeric/le';
import type { Db } from '../../platform/store/open';
import { cropsOf, sha256Bytes } from './crops';
import { embedImagesCached, type Embedder } from './embed';
import { postprocessConcept, summarisePrompt, simplifyPrompt, CONCEPT_SCHEMA, SYSTEM_PROMPT } from './prompts';

// Describe-and-Dissect for one neuron (docs/dissect.md, methods.md "Describe-and-Dissect"): top images -> attention
// crops -> re-rank by the neuron -> captions -> candidate concepts -> generated images ranked by the neuron -> best
// concepts. Every intermediate result goes into the chain the neuron page shows; every model call goes through the
// project cache, so a resumed or repeated run with the same models and seeds makes the same labels without recomputing.

export interface Role<M> {
  entry: LibraryEntry;
  load: () => Promise<M>;
}

export interface DndEnv {
  /** The project: activations, probe images (read). */
  db: Db;
  /** Where the model calls are cached (captions, completions, generated images, embeddings): the project, or a shard file. */
  cache: Db;
  deps: HeatmapDeps;
  p: DndParams;
  signal: AbortSignal;
  /** The neuron's stored activations (image rows) and the image id of each row. */
  column: Float32Array;
  imageIds: ArrayLike<number>;
  embedder: Embedder;
  captioner?: Role<Captioner>;
  lm?: Role<LanguageModel>;
  generator?: Role<ImageGenerator>;
  /** CLIP captioning: the concept set's texts and their L2-normalised embeddings. */
  concepts?: { names: string[]; vectors: Float32Array };
  status: (message: string) => void;
}

export type NeuronChain = Omit<DndChain, 'runId' | 'status'>;

/** Row indices of the k largest values, largest first (ties: the lower row first). */
export function topRows(col: Float32Array, k: number): number[] {
  const idx = Array.from(col.keys()).filter((i) => Number.isFinite(col[i]));
  idx.sort((a, b) => col[b] - col[a] || a - b);
  return idx.slice(0, k);
}

function cosineArgmax(v: Float32Array, off: number, d: number, m: Float32Array, rows: number): number {
  let best = 0;
  let bestS = -Infinity;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += v[off + j] * m[r * d + j];
    if (s > bestS) {
      bestS = s;
      best = r;
    }
  }
  return best;
}

/** The 0-based rank of every generated image among all of them, by activation, largest first (ties: candidate, then image order), as the selection ranks them. */
export function globalRanks(activations: readonly number[][]): number[][] {
  const flat = activations.flatMap((a, c) => a.map((v, q) => ({ v, c, q })));
  flat.sort((x, y) => y.v - x.v || x.c - y.c || x.q - y.q);
  const out = activations.map((a) => new Array<number>(a.length).fill(0));
  flat.forEach((f, r) => (out[f.c][f.q] = r));
  return out;
}

export async function describeNeuron(env: DndEnv, neuron: number): Promise<NeuronChain> {
  const { db, deps, p, signal } = env;
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    seconds[stage] = (seconds[stage] ?? 0) + (now - t) / 1000;
    t = now;
  };
  const cancelled = () => {
    if (signal.aborted) throw new AppError('cancelled', `Describe-and-Dissect was cancelled at neuron ${neuron}.`);
  };

  // 1. Top images, their crops, originals and crops re-ranked by the neuron.
  env.status(`neuron ${neuron}: top images and crops`);
  const rows = topRows(env.column, p.topImages);
  const ctx = unitContext(db, p.activationSetId, neuron);
  const found = await cropsOf(
    deps,
    ctx,
    rows.map((r) => env.imageIds[r]),
    p,
  );
  type Item = { imageId: number; box: [number, number, number, number] | null; activation: number; key: string; input: string | Buffer };
  const items: Item[] = found.flatMap((e) => [
    {
      imageId: e.imageId,
      box: null,
      activation: e.activation,
      key: e.source.sha256,
      input: join(e.source.rootPath, ...e.source.relPath.split('/')),
    },
    ...e.crops.map((c) => ({ imageId: e.imageId, box: c.box, activation: c.activation, key: c.sha, input: c.png })),
  ]);
  items.sort((a, b) => b.activation - a.activation);
  const top = items.slice(0, p.topImages);
  const sources = new Map(found.map((e) => [e.imageId, e.source]));
  lap('crops');
  cancelled();

  // The top images' embeddings: CLIP captioning, the selection's weight term, the interpretability score.
  const topVecs = await embedImagesCached(env.cache, env.embedder, top, signal);
  lap('embed');

  // 2. Captions (or the nearest concept of a concept set: "CLIP captioning").
  env.status(`neuron ${neuron}: captions`);
  let captions: string[];
  if (p.captioning === 'concepts') {
    const c = env.concepts!;
    const d = env.embedder.dim;
    captions = top.map((_, i) => c.names[cosineArgmax(topVecs, i * d, d, c.vectors, c.names.length)]);
  } else {
    const made = await captionCached(
      env.cache,
      env.captioner!.entry,
      env.captioner!.load,
      top.map((it) => ({
        imageSha: sources.get(it.imageId)!.sha256,
        box: it.box,
        pixels: () => probePixels(sources.get(it.imageId)!, it.box ?? undefined),
      })),
      { numBeams: p.numBeams, maxNewTokens: p.maxNewTokens, minNewTokens: p.minNewTokens, task: p.task },
      signal,
    );
    captions = made.map((m) => m.text);
  }
  lap('caption');
  cancelled();

  const ask = async (prompt: string, seed: number) => {
    const lm = env.lm!;
    const c = await completeCached(
      env.cache,
      lm.entry,
      lm.load,
      {
        prompt,
        system: SYSTEM_PROMPT,
        schema: CONCEPT_SCHEMA,
        chat: true,
        maxTokens: 48,
        temperature: p.temperature,
        topK: 40,
        topP: 0.95,
        seed,
      },
      signal,
    );
    const concept = (c.json as { concept?: unknown } | undefined)?.concept;
    return { text: c.text, concept: typeof concept === 'string' ? postprocessConcept(concept) : null };
  };

  // Optional simplification of each caption.
  let simplified: (string | null)[] = captions.map(() => null);
  if (p.simplify) {
    env.status(`neuron ${neuron}: simplifying captions`);
    simplified = [];
    for (const c of captions) simplified.push((await ask(simplifyPrompt(p, c), p.seed)).concept);
    lap('simplify');
  }
  const texts = captions.map((c, i) => simplified[i] ?? c);

  // 3. Candidate concepts: one answer per call over the captions shuffled with the call's seed.
  const answers: NeuronChain['answers'] = [];
  let candidates: string[] = [];
  if (p.summarise) {
    env.status(`neuron ${neuron}: candidate concepts`);
    for (let call = 0; call < p.candidates; call++) {
      cancelled();
      const seed = p.seed + call;
      const a = await ask(summarisePrompt(p, seededShuffle(texts, seed)), seed);
      answers.push({ call, seed, text: a.text, concept: a.concept });
      if (a.concept) candidates.push(a.concept);
    }
    lap('summarise');
  } else {
    candidates = texts.map(postprocessConcept).slice(0, Math.max(p.candidates, 1) * 4);
  }
  // De-duplicate; a label ending in design(s)/graphic(s) also gets a "... background" variant (the reference does).
  const extra = candidates.filter((c) => /\b(designs?|graphics?)$/.test(c)).map((c) => `${c} background`);
  candidates = [...new Set([...candidates, ...extra].filter((c) => c.length > 0))];
  if (!p.summarise) candidates = candidates.slice(0, p.candidates);

  const base = {
    neuron,
    probe: found.map((e) => ({
      imageId: e.imageId,
      relPath: e.source.relPath,
      width: e.source.width,
      height: e.source.height,
      activation: env.column[rows[found.indexOf(e)]],
      threshold: e.threshold,
      crops: e.crops.map((c) => ({ box: c.box, activation: c.activation })),
    })),
    captioned: top.map((it, i) => ({
      imageId: it.imageId,
      box: it.box,
      activation: it.activation,
      caption: captions[i],
      simplified: simplified[i],
    })),
    answers,
    candidates,
    interpretability: top.length > 1 ? interpretability(topVecs, top.length, env.embedder.dim) : null,
  };
  if (!candidates.length) {
    return {
      ...base,
      note: 'no candidate concept: every answer of the language model was empty',
      selection: [],
      labels: [],
      dropped: [],
      seconds,
    };
  }

  // 4. Best-concept selection: Q images per candidate, all ranked together by the neuron.
  if (!p.select) {
    return {
      ...base,
      note: null,
      selection: [],
      labels: candidates.slice(0, p.labels).map((concept) => ({ concept, score: null })),
      dropped: [],
      seconds,
    };
  }
  const gen = env.generator!;
  const seeds = Array.from({ length: p.imagesPerConcept }, (_, i) => p.seed + i);
  const perCandidate: { prompt: string; images: { id: number; seed: number; png: Buffer; key: string }[] }[] = [];
  for (const [ci, concept] of candidates.entries()) {
    cancelled();
    env.status(`neuron ${neuron}: images of "${concept}" (${ci + 1} of ${candidates.length})`);
    const prompt = p.promptTemplate.replaceAll('{concept}', concept);
    const made = await generateCached(
      env.cache,
      gen.entry,
      gen.load,
      {
        prompt,
        negativePrompt: '',
        steps: p.steps,
        guidance: p.guidance,
        scheduler: p.scheduler,
        seeds,
        batchSize: Math.min(4, seeds.length),
      },
      signal,
    );
    perCandidate.push({ prompt, images: made.map((m) => ({ id: m.id, seed: m.seed, png: m.png, key: sha256Bytes(m.png) })) });
  }
  lap('generate');
  const all = perCandidate.flatMap((c) => c.images);
  const tensors = await unitTensors(
    deps,
    ctx,
    all.map((im) => ({ key: im.key, input: im.png })),
  );
  const activations = perCandidate.map((c) => c.images.map((im) => unitActivation(ctx, tensors.get(im.key)!)));
  lap('rank');
  const d = env.embedder.dim;
  const imageEmbeddings = await Promise.all(
    perCandidate.map((c) =>
      embedImagesCached(
        env.cache,
        env.embedder,
        c.images.map((im) => ({ key: im.key, input: im.png })),
        signal,
      ),
    ),
  );
  const textEmbeddings = await env.embedder.texts(candidates, signal);
  lap('embed');
  const sel = selectConcepts(
    { candidates, activations, topImages: topVecs, imageEmbeddings, textEmbeddings, d },
    { beta: p.beta, topGlobal: p.topGlobal, labels: p.labels, maxLabelSimilarity: p.maxLabelSimilarity },
  );
  lap('select');
  const ranks = globalRanks(activations);
  return {
    ...base,
    note: null,
    selection: sel.candidates.map((c, ci) => ({
      concept: c.concept,
      prompt: perCandidate[ci].prompt,
      images: perCandidate[ci].images.map((im, q) => ({
        generatedId: im.id,
        seed: im.seed,
        activation: activations[ci][q],
        rank: ranks[ci][q],
        inTop: c.inTop.includes(q),
      })),
      rankTerm: c.rankTerm,
      conceptRank: c.conceptRank,
      weight: c.weight,
      score: c.score,
    })),
    labels: sel.labels.map((l) => ({ concept: l.concept, score: l.score })),
    dropped: sel.dropped,
    seconds,
  };
}
