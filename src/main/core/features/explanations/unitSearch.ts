import type { SimilarUnits, UnitSearchHit, UnitSearchResult } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { correlationsWith, topCorrelated } from '../../numeric/similar';
import { allRunExplanations, explanationStamp, newestRunOfSet, testCorrelations } from '../../platform/store/browseRepo';
import type { Db } from '../../platform/store/open';
import { defaultSearchEncoder, textEmbedder } from '../concepts';
import { neuronProfiles } from '../models';
import { checkNeuron, resolveSet } from './context';
import { requireRun } from './runInfo';
import { explanationText } from './text';

// Browsing units (docs/browse.md): similar units of a layer and search by meaning across runs and methods.

// ---- similar units ----

export function similarUnits(db: Db, o: { activationSetId: number; neuron: number; runId?: number; limit: number }): SimilarUnits {
  const { set } = resolveSet(db, o.activationSetId);
  checkNeuron(set, o.neuron);
  const p = neuronProfiles(db, set);
  const all = p.nSample === set.nImages;
  const basis = {
    kind: all ? ('all' as const) : ('sample' as const),
    images: p.nSample,
    of: set.nImages,
    seed: all ? null : p.seed,
    text: all ? `all ${set.nImages} images` : `a seeded sample of ${p.nSample} of ${set.nImages} images (seed ${p.seed})`,
  };
  const r = correlationsWith(p.data, p.usable, p.nSample, o.neuron);
  let excluded = 0;
  for (let q = 0; q < set.nNeurons; q++) if (q !== o.neuron && !p.usable[q]) excluded++;
  const note = p.usable[o.neuron]
    ? null
    : `Unit ${o.neuron} is constant (or has non-finite values) over ${basis.text}: its correlation with other units is undefined.`;
  return {
    activationSetId: set.id,
    neuron: o.neuron,
    basis,
    note,
    correlated: topCorrelated(r, o.neuron, o.limit),
    excluded,
    shared: sharedConcepts(db, set.id, o.neuron, o.runId, o.limit),
  };
}

const sign = (w: number) => (w > 0 ? 1 : w < 0 ? -1 : 0);

/** Units whose explanation (the run's own method) shares a concept, with the same sign of weight, with this unit's. */
function sharedConcepts(db: Db, setId: number, neuron: number, runId: number | undefined, limit: number): SimilarUnits['shared'] {
  const id = runId ?? newestRunOfSet(db, setId);
  if (id === null) return null;
  const run = requireRun(db, id);
  if (run.activationSetId !== setId)
    throw new AppError(
      'bad_input',
      `Explain run ${id} explains activation set ${run.activationSetId}, not ${setId}. Pick a run of the same layer (explain.runs --activationSetId ${setId}).`,
    );
  // The run's own explanations from the search index (kept in this worker while explanations are unchanged).
  const mine = searchIndex(db).entries.filter((x) => x.e.explainRunId === run.id && x.e.method === run.method);
  const own = mine.find((x) => x.e.neuron === neuron);
  const concepts = own?.e.terms.filter((t) => t.weight !== 0) ?? [];
  const key = (c: string, w: number) => `${sign(w)}\n${c}`;
  const wanted = new Set(concepts.map((t) => key(t.concept, t.weight)));
  const units = mine
    .filter((x) => x.e.neuron !== neuron)
    .map((x) => ({
      neuron: x.e.neuron,
      shared: x.e.terms.filter((t) => t.weight !== 0 && wanted.has(key(t.concept, t.weight))).map((t) => t.concept),
      text: x.text,
      testCorrelation: x.test,
    }))
    .filter((u) => u.shared.length > 0)
    .sort((a, b) => b.shared.length - a.shared.length || (b.testCorrelation ?? -2) - (a.testCorrelation ?? -2) || a.neuron - b.neuron)
    .slice(0, limit);
  return { runId: run.id, method: run.method, concepts: concepts.map((t) => ({ concept: t.concept, weight: t.weight })), units };
}

// ---- search by meaning ----

/** Lower case, '_' and runs of spaces as one space. */
export const normalise = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .trim();
/** Alphanumeric words of a text ("T-shirt_top" -> t, shirt, top). */
export const wordsOf = (s: string): string[] =>
  normalise(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
/** A word and its plural/singular ('shoe' matches 'shoes'). */
const sameWord = (a: string, b: string) => a === b || a + 's' === b || b + 's' === a;

interface Posting {
  entry: number;
  weight: number;
}

interface SearchIndex {
  key: string;
  entries: { e: ReturnType<typeof allRunExplanations>[number]; text: string; test: number | null }[];
  concepts: string[];
  /** Per concept: entries whose explanation gives it a positive weight. */
  postings: Posting[][];
  normalised: string[];
  words: string[][];
}

let lastIndex: SearchIndex | null = null;
let lastEmbeddings: { key: string; vectors: Float32Array; dim: number } | null = null;

function searchIndex(db: Db): SearchIndex {
  const key = `${db.name}\n${explanationStamp(db)}`;
  if (lastIndex?.key === key) return lastIndex;
  const all = allRunExplanations(db);
  const scores = testCorrelations(db);
  const conceptIdx = new Map<string, number>();
  const concepts: string[] = [];
  const postings: Posting[][] = [];
  const entries = all.map((e, i) => {
    const sims = scores.get(e.id);
    const own = typeof e.runParams.explainerSha === 'string' ? e.runParams.explainerSha : 'label';
    const test = sims?.get(own) ?? sims?.get('reported') ?? null;
    for (const t of e.terms) {
      if (!(t.weight > 0)) continue;
      let c = conceptIdx.get(t.concept);
      if (c === undefined) {
        c = concepts.length;
        conceptIdx.set(t.concept, c);
        concepts.push(t.concept);
        postings.push([]);
      }
      postings[c].push({ entry: i, weight: t.weight });
    }
    return { e, text: explanationText(e.terms, e.bias), test: Number.isFinite(test) ? test : null };
  });
  lastIndex = { key, entries, concepts, postings, normalised: concepts.map(normalise), words: concepts.map(wordsOf) };
  return lastIndex;
}

const TIER: Record<UnitSearchHit['reason'], number> = { exact: 0, words: 1, meaning: 2 };

export interface SearchOptions {
  text: string;
  encoderId?: number;
  meaning: boolean;
  nearest: number;
  minSimilarity: number;
  limit: number;
}

export async function searchUnits(db: Db, o: SearchOptions): Promise<UnitSearchResult> {
  const ix = searchIndex(db);
  const q = normalise(o.text);
  const qWords = wordsOf(o.text);
  const match = new Map<number, { reason: UnitSearchHit['reason']; similarity: number | null }>();
  ix.normalised.forEach((c, j) => {
    if (c === q) match.set(j, { reason: 'exact', similarity: null });
    else if (qWords.length && qWords.every((w) => ix.words[j].some((x) => sameWord(w, x))))
      match.set(j, { reason: 'words', similarity: null });
  });

  let encoder: UnitSearchResult['encoder'] = null;
  let unknownWords: string[] = [];
  let note: string | null = null;
  if (!o.meaning) note = 'Meaning matches were not asked for: exact and word matches only.';
  else if (!ix.concepts.length) note = 'No explanation in this project has a concept yet: run or import an explanation first.';
  else {
    const encoderId = o.encoderId ?? defaultSearchEncoder(db);
    if (encoderId === null)
      note =
        'No calibrated image-text encoder in this project, so only exact and word matches: add an encoder and calibrate it (Concepts) to search by meaning.';
    else {
      const emb = await textEmbedder(db, encoderId);
      encoder = { id: emb.encoder.id, name: emb.encoder.name };
      unknownWords = emb.unknownWords(o.text);
      if (unknownWords.length === qWords.length && qWords.length > 0)
        note = `Encoder "${emb.encoder.name}" knows none of the words of "${o.text}", so it has no meaning to compare: only exact and word matches.`;
      else {
        const key = `${db.name}\n${ix.key}\n${emb.encoder.sha256}`;
        if (lastEmbeddings?.key !== key) lastEmbeddings = { key, vectors: await emb.embed(ix.concepts), dim: emb.dim };
        const { vectors, dim } = lastEmbeddings;
        const qv = await emb.embedOnce([o.text.trim()]);
        const cos = new Float64Array(ix.concepts.length);
        for (let j = 0; j < ix.concepts.length; j++) {
          let s = 0;
          const off = j * dim;
          for (let d = 0; d < dim; d++) s += qv[d] * vectors[off + d];
          cos[j] = s;
        }
        const order = Array.from(cos.keys())
          .filter((j) => !match.has(j) && cos[j] >= o.minSimilarity)
          .sort((a, b) => cos[b] - cos[a] || a - b)
          .slice(0, o.nearest);
        for (const j of order) match.set(j, { reason: 'meaning', similarity: cos[j] });
        if (unknownWords.length)
          note = `Encoder "${emb.encoder.name}" does not know ${unknownWords.map((w) => `"${w}"`).join(', ')}: meaning matches rest on the other words.`;
      }
    }
  }

  // One hit per explanation (run, method, unit): its best match.
  const best = new Map<number, { concept: number; weight: number; reason: UnitSearchHit['reason']; similarity: number | null }>();
  for (const [j, m] of match) {
    for (const p of ix.postings[j]) {
      const b = best.get(p.entry);
      const better =
        !b ||
        TIER[m.reason] < TIER[b.reason] ||
        (TIER[m.reason] === TIER[b.reason] &&
          ((m.similarity ?? 0) > (b.similarity ?? 0) || ((m.similarity ?? 0) === (b.similarity ?? 0) && p.weight > b.weight)));
      if (better) best.set(p.entry, { concept: j, weight: p.weight, reason: m.reason, similarity: m.similarity });
    }
  }
  const hits: UnitSearchHit[] = [...best.entries()].map(([i, b]) => {
    const { e, text, test } = ix.entries[i];
    return {
      runId: e.explainRunId,
      method: e.method,
      activationSetId: e.activationSetId,
      modelId: e.modelId,
      modelName: e.modelName,
      layer: e.layer,
      neuron: e.neuron,
      concept: ix.concepts[b.concept],
      weight: b.weight,
      reason: b.reason,
      similarity: b.similarity,
      text,
      testCorrelation: test,
    };
  });
  hits.sort(
    (a, b) =>
      TIER[a.reason] - TIER[b.reason] ||
      (b.similarity ?? 0) - (a.similarity ?? 0) ||
      b.weight - a.weight ||
      (b.testCorrelation ?? -2) - (a.testCorrelation ?? -2) ||
      a.runId - b.runId ||
      a.neuron - b.neuron ||
      a.method.localeCompare(b.method),
  );
  return {
    query: o.text,
    concepts: ix.concepts.length,
    explanations: ix.entries.length,
    encoder,
    unknownWords,
    note,
    total: hits.length,
    hits: hits.slice(0, o.limit),
  };
}
