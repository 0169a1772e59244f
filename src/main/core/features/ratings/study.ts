import type { ExplainMethod, RatingResults, RatingSheet, RatingStudy } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { krippendorffAlpha, meanStandardError, raterPearson } from '../../numeric/compare';
import { seededShuffle } from '../../numeric/le';
import { csvLine } from '../../platform/files/csv';
import { writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';
import { getSetInfo } from '../../platform/store/activationRepo';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import * as repo from '../../platform/store/ratingRepo';
import { readRunLabels } from '../compare';
import { readColumns, resolveSet } from '../explanations';

// The blind rating study (issue #15; docs/compare.md). A study freezes neurons, their top images and the labels runs
// gave them; raters see labels without method names in a seeded random order and rate each 1-5; results reveal
// the methods. Mean +- SE per method is over labels (each label's rating averaged over its raters first: ratings of
// one label by several people are not independent samples of the method).

export interface CreateInput {
  activationSetId: number;
  runs: { runId: number; method?: ExplainMethod }[];
  name?: string;
  neurons?: number[];
  maxNeurons: number;
  topImages: number;
  seed: number;
}

interface Params {
  runs: { runId: number; method: ExplainMethod }[];
  topImages: number;
  /** Top image ids per neuron, best first. */
  top: Record<string, number[]>;
}

/** Labels that differ only in case or spacing are one item (a rater reads them as the same words). */
const sameText = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

function topImageIds(db: Db, activationSetId: number, neurons: readonly number[], k: number): Record<string, number[]> {
  const { set } = resolveSet(db, activationSetId);
  const ids = probeImages(db, set.probeSetId).map((i) => i.id);
  const m = readColumns(db, set, neurons);
  const out: Record<string, number[]> = {};
  neurons.forEach((neuron, j) => {
    const rows = Array.from({ length: m.rows }, (_, i) => i).filter((i) => Number.isFinite(m.data[i * m.cols + j]));
    rows.sort((a, b) => m.data[b * m.cols + j] - m.data[a * m.cols + j] || a - b);
    out[neuron] = rows.slice(0, k).map((i) => ids[i]);
  });
  return out;
}

export function createStudy(db: Db, input: CreateInput): RatingStudy {
  const { set } = resolveSet(db, input.activationSetId);
  const seen = new Set<string>();
  const runs = input.runs.map((r) => {
    const labels = readRunLabels(db, set, [r.runId], r.method ? { [r.runId]: r.method } : undefined)[0];
    const key = `${labels.id}:${labels.method}`;
    if (seen.has(key))
      throw new AppError('bad_input', `Run ${r.runId} with method "${labels.method}" is listed twice: list each run and method once.`);
    seen.add(key);
    return { runId: labels.id, method: labels.method, labels: new Map(labels.labelled.map((e) => [e.neuron, e.label])) };
  });

  let neurons: number[];
  if (input.neurons) {
    const bad = input.neurons.filter((k) => k >= set.nNeurons);
    if (bad.length)
      throw new AppError(
        'bad_input',
        `Neuron(s) ${bad.join(', ')} are out of range: layer "${set.tensorName}" has ${set.nNeurons} neurons.`,
      );
    const unlabelled = input.neurons.filter((k) => !runs.some((r) => r.labels.has(k)));
    if (unlabelled.length)
      throw new AppError(
        'bad_input',
        `Neuron(s) ${unlabelled.join(', ')} have no label in any of the runs: leave them out or pick runs that label them.`,
      );
    neurons = seededShuffle([...new Set(input.neurons)], input.seed);
  } else {
    // Neurons every run labelled, so each method is rated on the same neurons; a seeded sample of them.
    const common = [...runs[0].labels.keys()].filter((k) => runs.every((r) => r.labels.has(k))).sort((a, b) => a - b);
    if (common.length === 0)
      throw new AppError('bad_input', 'No neuron is labelled by every run: pass neurons, or pick runs that label the same neurons.');
    neurons = seededShuffle(common, input.seed).slice(0, input.maxNeurons);
  }

  // One item per distinct text at a neuron, with every run and method that gave it; shown in a seeded order.
  const shuffleSeed = (input.seed + 0x9e3779b9) >>> 0;
  const items: repo.NewItem[] = neurons.flatMap((neuron, ord) => {
    const byText = new Map<string, { label: string; sources: { runId: number; method: string }[] }>();
    for (const r of runs) {
      const label = r.labels.get(neuron);
      if (!label) continue;
      const key = sameText(label);
      const entry = byText.get(key) ?? { label, sources: [] };
      entry.sources.push({ runId: r.runId, method: r.method });
      byText.set(key, entry);
    }
    return seededShuffle([...byText.values()], (shuffleSeed + ord) >>> 0).map((e, position) => ({ neuron, ord, position, ...e }));
  });
  const params: Params = {
    runs: runs.map((r) => ({ runId: r.runId, method: r.method })),
    topImages: input.topImages,
    top: topImageIds(db, set.id, neurons, input.topImages),
  };
  const name = input.name ?? `${set.tensorName}: ${neurons.length} neurons, ${runs.length} label sources`;
  const id = repo.insertStudy(
    db,
    { activationSetId: set.id, name, seed: input.seed, params: params as unknown as Record<string, unknown> },
    items,
  );
  return studyInfo(db, repo.getStudy(db, id)!);
}

function requireStudy(db: Db, id: number): repo.StudyRow {
  const s = repo.getStudy(db, id);
  if (!s) throw new AppError('not_found', `Rating study ${id} does not exist in this project.`);
  return s;
}

const paramsOf = (s: repo.StudyRow) => s.params as unknown as Params;
const layerOf = (db: Db, s: repo.StudyRow) => getSetInfo(db, s.activationSetId)?.tensorName ?? `activation set ${s.activationSetId}`;

function studyInfo(db: Db, s: repo.StudyRow): RatingStudy {
  const items = repo.studyItems(db, s.id);
  const p = paramsOf(s);
  return {
    id: s.id,
    activationSetId: s.activationSetId,
    layer: layerOf(db, s),
    name: s.name,
    seed: s.seed,
    createdAt: s.createdAt,
    runs: p.runs,
    topImages: p.topImages,
    neurons: new Set(items.map((i) => i.neuron)).size,
    items: items.length,
    raters: repo.raters(db, s.id),
  };
}

export const listStudies = (db: Db, activationSetId?: number): RatingStudy[] =>
  repo.listStudies(db, activationSetId).map((s) => studyInfo(db, s));

export function ratingSheet(db: Db, studyId: number, rater: string): RatingSheet {
  const s = requireStudy(db, studyId);
  const items = repo.studyItems(db, s.id);
  const scores = repo.raterScores(db, s.id, rater);
  const top = paramsOf(s).top;
  const neurons: RatingSheet['neurons'] = [];
  for (const it of items) {
    if (neurons.at(-1)?.neuron !== it.neuron) neurons.push({ neuron: it.neuron, topImageIds: top[it.neuron] ?? [], items: [] });
    neurons.at(-1)!.items.push({ itemId: it.id, label: it.label, score: scores.get(it.id) ?? null });
  }
  return {
    studyId: s.id,
    name: s.name,
    activationSetId: s.activationSetId,
    layer: layerOf(db, s),
    rater,
    rated: scores.size,
    total: items.length,
    neurons,
  };
}

export function rate(
  db: Db,
  input: { studyId: number; rater: string; itemId: number; score: number | null },
): { rated: number; total: number } {
  const s = requireStudy(db, input.studyId);
  if (!repo.itemInStudy(db, s.id, input.itemId))
    throw new AppError('bad_input', `Label ${input.itemId} is not in rating study ${s.id}: reload the study's sheet.`);
  repo.setRating(db, s.id, input.rater, input.itemId, input.score);
  return { rated: repo.raterScores(db, s.id, input.rater).size, total: repo.studyItems(db, s.id).length };
}

/** Each item's sources (run and method), by item id: one pass, for studies of thousands of labels. */
function sourcesByItem(db: Db, studyId: number): Map<number, { runId: number; method: ExplainMethod }[]> {
  const out = new Map<number, { runId: number; method: ExplainMethod }[]>();
  for (const x of repo.itemSources(db, studyId)) {
    const list = out.get(x.itemId) ?? [];
    list.push({ runId: x.runId, method: x.method as ExplainMethod });
    out.set(x.itemId, list);
  }
  return out;
}

export function ratingResults(db: Db, studyId: number): RatingResults {
  const s = requireStudy(db, studyId);
  const items = repo.studyItems(db, s.id);
  const sources = repo.itemSources(db, s.id);
  const ratings = repo.studyRatings(db, s.id);
  const raters = repo.raters(db, s.id);
  const byItem = new Map<number, Map<string, number>>(items.map((i) => [i.id, new Map()]));
  for (const r of ratings) byItem.get(r.itemId)?.set(r.rater, r.score);
  const itemMean = (id: number): number | null => {
    const v = [...byItem.get(id)!.values()];
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };

  const methods = paramsOf(s).runs.map(({ runId, method }) => {
    const mine = sources.filter((x) => x.runId === runId && x.method === method).map((x) => x.itemId);
    const means = mine.map(itemMean).filter((v): v is number => v !== null);
    const raterMeans: Record<string, number | null> = {};
    for (const { name } of raters) {
      const v = mine.map((id) => byItem.get(id)!.get(name)).filter((x): x is number => x !== undefined);
      raterMeans[name] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    }
    return {
      runId,
      method: method as ExplainMethod,
      items: mine.length,
      rated: meanStandardError(means),
      ratings: mine.reduce((a, id) => a + byItem.get(id)!.size, 0),
      raterMeans,
    };
  });

  const units = items.map((i) => [...byItem.get(i.id)!.values()]);
  const pairs = [];
  for (let a = 0; a < raters.length; a++)
    for (let b = a + 1; b < raters.length; b++) {
      const xa: number[] = [];
      const xb: number[] = [];
      for (const m of byItem.values())
        if (m.has(raters[a].name) && m.has(raters[b].name)) {
          xa.push(m.get(raters[a].name)!);
          xb.push(m.get(raters[b].name)!);
        }
      const share = (f: (d: number) => boolean) => (xa.length ? xa.filter((v, i) => f(Math.abs(v - xb[i]))).length / xa.length : null);
      pairs.push({
        a: raters[a].name,
        b: raters[b].name,
        shared: xa.length,
        pearson: raterPearson(xa, xb),
        exact: share((d) => d === 0),
        withinOne: share((d) => d <= 1),
      });
    }

  const srcOf = sourcesByItem(db, s.id);
  const neurons: RatingResults['neurons'] = [];
  for (const it of items) {
    if (neurons.at(-1)?.neuron !== it.neuron) neurons.push({ neuron: it.neuron, items: [] });
    neurons.at(-1)!.items.push({ label: it.label, sources: srcOf.get(it.id) ?? [], mean: itemMean(it.id), n: byItem.get(it.id)!.size });
  }
  return {
    studyId: s.id,
    name: s.name,
    activationSetId: s.activationSetId,
    layer: layerOf(db, s),
    raters,
    methods,
    agreement: {
      pairableItems: units.filter((u) => u.length >= 2).length,
      alphaOrdinal: krippendorffAlpha(units, 'ordinal'),
      alphaInterval: krippendorffAlpha(units, 'interval'),
      pairs,
    },
    neurons,
  };
}

export async function exportRatings(db: Db, studyId: number, target: WriteTarget): Promise<{ path: string; rows: number; bytes: number }> {
  const s = requireStudy(db, studyId);
  const layer = layerOf(db, s);
  const items = new Map(repo.studyItems(db, s.id).map((i) => [i.id, i]));
  const sources = sourcesByItem(db, s.id);
  const lines = [csvLine(['study', 'layer', 'neuron', 'label', 'run', 'method', 'rater', 'score', 'rated_at'])];
  for (const r of repo.studyRatings(db, s.id)) {
    const it = items.get(r.itemId)!;
    for (const src of sources.get(r.itemId) ?? [])
      lines.push(csvLine([s.name, layer, it.neuron, it.label, src.runId, src.method, r.rater, r.score, r.ratedAt]));
  }
  const written = await writeFileSafely(target, (sink) => sink.write(`${lines.join('\n')}\n`));
  return { path: written.path, rows: lines.length - 1, bytes: written.bytes };
}

export function deleteStudy(db: Db, studyId: number): { deleted: boolean } {
  return { deleted: repo.deleteStudy(db, studyId) };
}
