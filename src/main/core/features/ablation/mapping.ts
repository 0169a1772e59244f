import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ClassMapping, MappingInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import * as acts from '../../platform/store/activationRepo';
import { loadLabels } from '../../platform/store/labelRepo';
import { getModel, type ModelRow } from '../../platform/store/modelRepo';
import { probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import type { SetContext } from '../explanations';

// The probe set's class labels vs the model's class order. Default: class names from a models.json-like
// metadata file next to the model (its directory or the parent; the entry whose sha256 or file matches),
// else the probe's class labels sorted by name -> 0, 1, ... An explicit {labelName: modelClassIndex} wins.

export interface ResolvedMapping {
  info: MappingInfo;
  /** Model class index per probe image (image-id order = activation rows); -1 when unmapped. */
  labels: Int32Array;
  /** Canonical text of the mapping: the same key is the same label vector. */
  key: string;
}

/** Class names of the model from a models.json next to it, or null. */
export function modelClassNames(model: ModelRow): string[] | null {
  const dir = dirname(model.path);
  for (const d of [dir, dirname(dir)]) {
    const file = join(d, 'models.json');
    if (!existsSync(file)) continue;
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { models?: { file?: string; sha256?: string; classes?: unknown }[] };
      for (const m of doc.models ?? []) {
        const same = (m.sha256 && m.sha256 === model.sha256) || (m.file && resolve(d, m.file) === resolve(model.path));
        if (same && Array.isArray(m.classes) && m.classes.every((c) => typeof c === 'string')) return m.classes as string[];
      }
    } catch {
      // Not our format: ignore it.
    }
  }
  return null;
}

export function resolveMapping(db: Db, src: SetContext, explicit?: ClassMapping): ResolvedMapping {
  const { set, probe } = src;
  const model = getModel(db, set.modelId);
  if (!model) throw new AppError('not_found', `Model ${set.modelId} does not exist.`);
  const classes = loadLabels(db, probe.id)
    .filter((l) => l.kind === 'class')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const k = set.nLogits;
  const names = modelClassNames(model);
  const index = new Map<number, number>(); // label id -> model class
  let source: MappingInfo['source'];
  if (explicit) {
    source = 'explicit';
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
  } else if (names && names.length === k) {
    source = 'metadata';
    const exact = new Map(names.map((n, j) => [n, j]));
    const loose = new Map(names.map((n, j) => [n.toLowerCase().replace(/[^a-z0-9]/g, ''), j]));
    for (const c of classes) {
      const j = exact.get(c.name) ?? loose.get(c.name.toLowerCase().replace(/[^a-z0-9]/g, ''));
      if (j !== undefined) index.set(c.id, j);
    }
  } else {
    source = 'order';
    classes.forEach((c, j) => j < k && index.set(c.id, j));
  }
  const images = probeImages(db, probe.id);
  const labels = Int32Array.from(images, (r) => (r.classId === null ? -1 : (index.get(r.classId) ?? -1)));
  const perClass = new Map<number, number>();
  for (const r of images) if (r.classId !== null) perClass.set(r.classId, (perClass.get(r.classId) ?? 0) + 1);
  let unmapped = 0;
  for (const l of labels) if (l < 0) unmapped++;
  // Accuracy from the stored predictions (argmax of the logits at extraction).
  let accuracy: number | null = null;
  if (set.nLogits > 0 && labels.length - unmapped > 0) {
    const pred = acts.readMatrix(db, set.id, 'pred');
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] >= 0 && pred[i] === labels[i]) right++;
    accuracy = right / (labels.length - unmapped);
  }
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
  return { info: { activationSetId: set.id, source, modelClasses: names, rows, unmapped, accuracy, images: labels.length }, labels, key };
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
