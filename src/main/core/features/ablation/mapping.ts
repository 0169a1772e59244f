import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ClassMapping, MappingInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import { loadLabels } from '../../platform/store/labelRepo';
import { getModel, type ModelRow } from '../../platform/store/modelRepo';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import type { SetContext } from '../explanations';
import { maxWeightAssignment } from '../../numeric/assignment';
import { decodeModel } from '../../onnx/onnxProto';

// The probe set's class labels vs the model's class order. An explicit {labelName: modelClassIndex} wins. Else
// class names of the model, first found of: the ONNX file's metadata_props (CLASS_KEYS), a classes file next to
// the model (`<model>.classes.txt`, then `classes.txt`: one name a line), a models.json next to it or in the parent
// (the entry whose sha256 or file matches) -- used when they name every probe class. Else the mapping is inferred:
// the assignment of probe classes to model classes that maximises agreement with the stored predictions
// (numeric/assignment, the Hungarian algorithm on the confusion counts). docs/models.md.

export interface ResolvedMapping {
  info: MappingInfo;
  /** Model class index per probe image (image-id order = activation rows); -1 when unmapped. */
  labels: Int32Array;
  /** Canonical text of the mapping: the same key is the same label vector. */
  key: string;
}

/** metadata_props keys read for class names: a JSON array of strings, or names separated by commas / new lines. */
export const CLASS_KEYS = ['nwb.classes', 'classes', 'class_names', 'labels'] as const;

interface Named {
  names: string[];
  source: 'onnx-metadata' | 'classes-file' | 'metadata';
  detail: string;
}

function parseNames(text: string): string[] | null {
  const t = text.trim();
  if (!t) return null;
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t) as unknown;
      return Array.isArray(a) && a.every((x) => typeof x === 'string') ? (a as string[]) : null;
    } catch {
      return null;
    }
  }
  const parts = t.split(t.includes('\n') ? /\r?\n/ : ',').map((x) => x.trim());
  return parts.filter(Boolean).length === parts.length ? parts : null;
}

/** The file's metadata_props: stored at model.add; read from the file for rows saved before that. */
function metadataOf(model: ModelRow): Record<string, string> {
  if (model.info.metadata) return model.info.metadata;
  try {
    const m = decodeModel(readFileSync(model.path));
    return Object.fromEntries((m.metadataProps ?? []).filter((p) => p.key).map((p) => [p.key!, p.value ?? '']));
  } catch {
    return {};
  }
}

/** Every source of class names the model has, in order of preference. */
export function modelClassSources(model: ModelRow): Named[] {
  const out: Named[] = [];
  const meta = metadataOf(model);
  for (const k of CLASS_KEYS) {
    const names = meta[k] === undefined ? null : parseNames(meta[k]);
    if (names) {
      out.push({ names, source: 'onnx-metadata', detail: `metadata_props '${k}' of ${basename(model.path)}` });
      break;
    }
  }
  const dir = dirname(model.path);
  const stem = basename(model.path).replace(/\.onnx$/i, '');
  for (const f of [`${stem}.classes.txt`, 'classes.txt']) {
    const file = join(dir, f);
    if (!existsSync(file)) continue;
    try {
      const names = parseNames(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
      if (names) out.push({ names, source: 'classes-file', detail: f });
    } catch {
      // Unreadable: ignore it like a missing one.
    }
    break;
  }
  const json = modelsJsonNames(model);
  if (json) out.push({ names: json.names, source: 'metadata', detail: json.file });
  return out;
}

function modelsJsonNames(model: ModelRow): { names: string[]; file: string } | null {
  const dir = dirname(model.path);
  for (const d of [dir, dirname(dir)]) {
    const file = join(d, 'models.json');
    if (!existsSync(file)) continue;
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { models?: { file?: string; sha256?: string; classes?: unknown }[] };
      for (const m of doc.models ?? []) {
        const same = (m.sha256 && m.sha256 === model.sha256) || (m.file && resolve(d, m.file) === resolve(model.path));
        if (same && Array.isArray(m.classes) && m.classes.every((c) => typeof c === 'string'))
          return { names: m.classes as string[], file: d === dir ? 'models.json' : '../models.json' };
      }
    } catch {
      // Not our format: ignore it.
    }
  }
  return null;
}

/** Class names of the model (the first source that has them), or null. */
export function modelClassNames(model: ModelRow): string[] | null {
  return modelClassSources(model)[0]?.names ?? null;
}

const loose = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** label id -> model class by name; null unless every class finds a name. */
function byName(classes: readonly { id: number; name: string }[], names: readonly string[]): Map<number, number> | null {
  const exact = new Map(names.map((n, j) => [n, j]));
  const approx = new Map(names.map((n, j) => [loose(n), j]));
  const index = new Map<number, number>();
  for (const c of classes) {
    const j = exact.get(c.name) ?? approx.get(loose(c.name));
    if (j === undefined) return null;
    index.set(c.id, j);
  }
  return new Set(index.values()).size === index.size ? index : null;
}

// A complete activation set's predictions never change: the inferred assignment is kept per (project, set, counts),
// so the wizard's repeated ablation.mapping calls do not solve it again (1.8 s for 1,000 classes of random
// predictions; bench/mapping.ts).
const inferredCache = new WeakMap<Db, Map<number, { key: string; columnOf: Int32Array }>>();

function inferredAssignment(db: Db, setId: number, w: Float64Array, rows: number, cols: number): { columnOf: Int32Array } {
  const key = `${rows}x${cols}:${createHash('sha1')
    .update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength))
    .digest('hex')}`;
  let perDb = inferredCache.get(db);
  if (!perDb) inferredCache.set(db, (perDb = new Map()));
  const hit = perDb.get(setId);
  if (hit && hit.key === key) return hit;
  const a = maxWeightAssignment(w, rows, cols);
  perDb.set(setId, { key, columnOf: a.columnOf });
  return a;
}

/** Accuracy at or below chance + (1 - chance) / 4 counts as near chance. */
export function lowAccuracyThreshold(chance: number): number {
  return chance + (1 - chance) / 4;
}

export function resolveMapping(db: Db, src: SetContext, explicit?: ClassMapping): ResolvedMapping {
  const { set, probe } = src;
  const model = getModel(db, set.modelId);
  if (!model) throw new AppError('not_found', `Model ${set.modelId} does not exist.`);
  const classes = loadLabels(db, probe.id)
    .filter((l) => l.kind === 'class')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const k = set.nLogits;
  const sources = modelClassSources(model).filter((s) => s.names.length === k);
  const images = probeImages(db, probe.id);
  const pred = k > 0 ? acts.readMatrix(db, set.id, 'pred') : null;
  let index = new Map<number, number>(); // label id -> model class
  let source: MappingInfo['source'];
  let detail: string;
  let note: string | null = null;
  let names: string[] | null = sources[0]?.names ?? null;
  if (explicit) {
    source = 'explicit';
    detail = 'set by you';
    const known = new Set(classes.map((c) => c.name));
    for (const [name, j] of Object.entries(explicit)) {
      if (!known.has(name))
        throw new AppError(
          'bad_input',
          `Mapping names "${name}", which is not a class of probe set "${probe.name}" (classes: ${classes.map((c) => c.name).join(', ')}).`,
        );
      if (j >= k) throw new AppError('bad_input', `Mapping sends "${name}" to class ${j}, but the model has ${k} classes (0..${k - 1}).`);
    }
    for (const c of classes) if (explicit[c.name] !== undefined) index.set(c.id, explicit[c.name]);
  } else {
    const named = sources.map((s) => ({ s, index: byName(classes, s.names) })).find((x) => x.index !== null);
    if (named) {
      source = named.s.source;
      detail = named.s.detail;
      names = named.s.names;
      index = named.index!;
    } else {
      if (sources.length)
        note = `The class names in ${sources[0].detail} (${sources[0].names.slice(0, 4).join(', ')}${sources[0].names.length > 4 ? ', ...' : ''}) do not name every probe class, so they were not used.`;
      if (pred) {
        source = 'inferred';
        detail = "inferred: the assignment of probe classes to model classes that agrees most with the model's predictions";
        const row = new Map(classes.map((c, r) => [c.id, r]));
        const w = new Float64Array(classes.length * k);
        images.forEach((im, i) => {
          const r = im.classId === null ? undefined : row.get(im.classId);
          if (r !== undefined && pred[i] >= 0 && pred[i] < k) w[r * k + pred[i]]++;
        });
        const a = inferredAssignment(db, set.id, w, classes.length, k);
        classes.forEach((c, r) => a.columnOf[r] >= 0 && index.set(c.id, a.columnOf[r]));
      } else {
        source = 'order';
        detail = 'by order: probe classes sorted by name -> 0, 1, 2, ... (the set has no logits to infer from)';
        classes.forEach((c, j) => j < k && index.set(c.id, j));
      }
    }
  }
  const labels = Int32Array.from(images, (r) => (r.classId === null ? -1 : (index.get(r.classId) ?? -1)));
  const perClass = new Map<number, number>();
  for (const r of images) if (r.classId !== null) perClass.set(r.classId, (perClass.get(r.classId) ?? 0) + 1);
  let unmapped = 0;
  for (const l of labels) if (l < 0) unmapped++;
  // Accuracy from the stored predictions (argmax of the logits at extraction).
  let accuracy: number | null = null;
  const mappedN = labels.length - unmapped;
  if (pred && mappedN > 0) {
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && pred[i] === labels[i]) right++;
    accuracy = right / mappedN;
  }
  const labelled = [...perClass.values()].reduce((a, b) => a + b, 0);
  const chance = labelled > 0 ? Math.max(...perClass.values()) / labelled : null;
  const threshold = chance === null ? null : lowAccuracyThreshold(chance);
  const rows = classes.map((c) => {
    const j = index.get(c.id);
    return {
      label: c.name,
      modelClass: j ?? null,
      modelClassName: j !== undefined && names ? (names[j] ?? null) : null,
      images: perClass.get(c.id) ?? 0,
    };
  });
  const key = JSON.stringify(Object.fromEntries(rows.map((r) => [r.label, r.modelClass])));
  return {
    info: {
      activationSetId: set.id,
      source,
      sourceDetail: detail,
      modelClasses: names,
      rows,
      unmapped,
      accuracy,
      chance,
      lowAccuracyThreshold: threshold,
      nearChance: accuracy !== null && threshold !== null && classes.length > 1 && accuracy <= threshold,
      note,
      images: labels.length,
    },
    labels,
    key,
  };
}

/**
 * ablation.run / topimpact.run on labels that do not match the model's classes would score every neuron on wrong
 * labels: refused while the mapping's accuracy is near chance, unless the caller confirms.
 */
export function refuseNearChance(m: ResolvedMapping, what: string, confirmed: boolean): void {
  const i = m.info;
  if (!i.nearChance || confirmed) return;
  const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
  throw new AppError(
    'bad_input',
    `${what} refused: the model's accuracy on probe set labels under this class mapping (${i.sourceDetail}) is ${pct(i.accuracy)}, ` +
      `near chance (${pct(i.chance)}; the bar is ${pct(i.lowAccuracyThreshold)}), so the labels probably do not match the model's classes. ` +
      "Fix: check the mapping ('ablation.mapping' lists it; in the app: the ablation wizard's Labels step) and pass the right one " +
      '(--mapping \'{"label": classIndex, ...}\'), or leave the mapping out to infer it from the predictions; ' +
      'if the model really is this weak on these images, confirm with --confirmLowAccuracy true.',
    { ...i, reason: 'low_accuracy' },
  );
}

export function requireMapped(m: ResolvedMapping): Int32Array {
  if (m.info.unmapped > 0) {
    const missing = m.info.rows.filter((r) => r.modelClass === null).map((r) => r.label);
    throw new AppError(
      'bad_input',
      `${m.info.unmapped} probe images have no model class (unmapped labels: ${missing.join(', ') || 'images without a class'}). Give an explicit mapping {labelName: modelClassIndex}.`,
      m.info,
    );
  }
  return m.labels;
}
