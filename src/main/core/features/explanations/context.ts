import type { ProbeSetInfo } from '../../../../shared/contract';
import type { ActivationSetInfo } from '../../../../shared/contract';
import type { SplitInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { makeSplit, minImagesForSplit, splitIndices, splitSizes, type DenseMatrix } from '../../numeric/le';
import * as acts from '../../platform/store/activationRepo';
import type { ShardCopies } from '../../platform/jobs/shards';
import { getModel } from '../../platform/store/modelRepo';
import { imageIdsByPath, probeImages } from '../../platform/store/imageRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import { findSplit, insertSplit, type SplitRow } from '../../platform/store/splitRepo';
import { readNeuronColumns } from '../models';

// What every explanation method needs before it reads a number: an activation set whose rows still line
// up with its probe set's images, the seeded split, and columns of the activation matrix.

export interface SetContext {
  set: ActivationSetInfo;
  probe: ProbeSetInfo;
  manifestHash: string;
  modelSha: string;
}

/**
 * What a neuron-job shard over this activation set records and copies into its file (docs/cluster.md): the model
 * and manifest hashes, the ids merge checks the project still has, and the rows they name. `more` adds job-specific ids (e.g. the encoder).
 */
export function setShard(
  src: SetContext,
  splitId: number | null,
  conceptSetId: number | null = null,
  more: Record<string, number> = {},
): { identity: { modelSha: string; manifestHash: string; ids: Record<string, number> }; copies: ShardCopies } {
  const ids = {
    activationSetId: src.set.id,
    modelId: src.set.modelId,
    probeSetId: src.probe.id,
    ...(splitId === null ? {} : { splitId }),
    ...(conceptSetId === null ? {} : { conceptSetId }),
    ...more,
  };
  return {
    identity: { modelSha: src.modelSha, manifestHash: src.manifestHash, ids },
    copies: [
      ['models', src.set.modelId],
      ['layers', src.set.layerId],
      ['probe_sets', src.probe.id],
      ['activation_sets', src.set.id],
      ...(splitId === null ? [] : [['splits', splitId] as const]),
      ...(conceptSetId === null ? [] : [['concept_sets', conceptSetId] as const]),
    ],
  };
}

export function resolveSet(db: Db, activationSetId: number): SetContext {
  const set = acts.getSetInfo(db, activationSetId);
  if (!set) throw new AppError('not_found', `Activation set ${activationSetId} does not exist.`);
  if (!set.complete)
    throw new AppError(
      'bad_input',
      `Activation set ${activationSetId} is not complete (${set.rowsDone} of ${set.nImages} images). Finish or resume its extraction first.`,
    );
  const probe = getProbeSet(db, set.probeSetId);
  if (!probe) throw new AppError('not_found', `Probe set ${set.probeSetId} of activation set ${activationSetId} does not exist.`);
  if (!probe.complete || !probe.manifestHash)
    throw new AppError('bad_input', `Probe set "${probe.name}" is not completely imported. Finish or resume its import first.`);
  const row = acts.getSetRow(db, activationSetId);
  // Activation rows follow the images in id order; a re-import that changed the images breaks that.
  if (row?.manifestHash && row.manifestHash !== probe.manifestHash) {
    throw new AppError(
      'bad_input',
      `Probe set "${probe.name}" changed after activation set ${activationSetId} was extracted. Extract the layer again.`,
    );
  }
  if (probe.images !== set.nImages) {
    throw new AppError(
      'bad_input',
      `Activation set ${activationSetId} has ${set.nImages} rows but probe set "${probe.name}" has ${probe.images} images. Extract the layer again.`,
    );
  }
  const model = getModel(db, set.modelId);
  return { set, probe, manifestHash: probe.manifestHash, modelSha: model?.sha256 ?? '' };
}

export function checkNeuron(set: ActivationSetInfo, neuron: number): void {
  if (neuron >= set.nNeurons)
    throw new AppError('bad_input', `Neuron ${neuron} is out of range: the layer has ${set.nNeurons} neurons (0..${set.nNeurons - 1}).`);
}

/**
 * Selected neuron columns of the stored N x K matrix as an N x cols.length matrix: from the column copy (built on
 * first need; docs/browse.md), or through the row blocks where the project is read-only. The same values either way.
 */
export function readColumns(db: Db, set: ActivationSetInfo, cols: readonly number[]): DenseMatrix {
  return { data: readNeuronColumns(db, set, cols), rows: set.nImages, cols: cols.length };
}

export const DEFAULT_FRACTIONS: [number, number, number] = [0.7, 0.1, 0.2];

/** LE fits on train, picks lambda on val and scores on test: each needs at least this many images. */
export const MIN_IMAGES_PER_SPLIT = 2;

/** Refuse (before anything is written) a probe set too small for every part of the split to be usable. */
export function requireSplitFits(probe: { name: string; images: number }, fractions: readonly number[] = DEFAULT_FRACTIONS): void {
  const s = splitSizes(probe.images, fractions[0], fractions[1]);
  if (s.train >= MIN_IMAGES_PER_SPLIT && s.val >= MIN_IMAGES_PER_SPLIT && s.test >= MIN_IMAGES_PER_SPLIT) return;
  const min = minImagesForSplit(fractions[0], fractions[1], MIN_IMAGES_PER_SPLIT);
  const pct = fractions.map((f) => Math.round(f * 100)).join('/');
  throw new AppError(
    'bad_input',
    `Probe set "${probe.name}" has ${probe.images} image(s), too few for the ${pct} % train/val/test split (it would get ${s.train}/${s.val}/${s.test}); ` +
      `explaining needs at least ${MIN_IMAGES_PER_SPLIT} images in each part${min === null ? '' : `, so a probe set of at least ${min} images`}. Import more images.`,
    { images: probe.images, minimum: min, split: s },
  );
}

export function splitInfo(s: SplitRow): SplitInfo {
  const { train, val, test } = splitIndices(s.assignment);
  return {
    id: s.id,
    probeSetId: s.probeSetId,
    seed: s.seed,
    fractions: s.fractions,
    manifestHash: s.manifestHash,
    counts: { train: train.length, val: val.length, test: test.length },
    createdAt: s.createdAt,
    source: s.source,
    name: s.name,
  };
}

function completeProbe(db: Db, probeSetId: number): ProbeSetInfo & { manifestHash: string } {
  const probe = getProbeSet(db, probeSetId);
  if (!probe) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
  if (!probe.complete || !probe.manifestHash)
    throw new AppError('bad_input', `Probe set "${probe.name}" is not completely imported. Finish or resume its import first.`);
  return { ...probe, manifestHash: probe.manifestHash };
}

export function getStoredSplit(db: Db, probeSetId: number, seed: number, fractions: readonly number[]): SplitRow | null {
  const probe = completeProbe(db, probeSetId);
  return findSplit(db, { probeSetId, seed, fractions, manifestHash: probe.manifestHash });
}

/** The stored split for (probe set, seed, fractions, current manifest); made and stored on first use. */
export function ensureSplit(
  db: Db,
  probeSetId: number,
  seed: number,
  fractions: readonly number[] = DEFAULT_FRACTIONS,
): { split: SplitRow; created: boolean } {
  const probe = completeProbe(db, probeSetId);
  const q = { probeSetId, seed, fractions, manifestHash: probe.manifestHash };
  return db
    .transaction(() => {
      const found = findSplit(db, q);
      if (found) return { split: found, created: false };
      const assignment = canonicalSplit(db, probeSetId, seed, fractions);
      const id = insertSplit(db, { ...q, fractions: [fractions[0], fractions[1], fractions[2]], assignment });
      return {
        split: findSplit(db, q) ?? {
          ...q,
          id,
          fractions: [fractions[0], fractions[1], fractions[2]],
          assignment,
          createdAt: '',
          source: 'seeded',
          name: null,
        },
        created: true,
      };
    })
    .immediate();
}

/**
 * Stored one byte per image in image-id order (the order of activation rows: extraction reads ORDER BY id),
 * but shuffled in rel_path order (the manifest's order). Why: importers before #11 assigned ids in the order
 * files finished decoding, which varies between imports, so the same folder + seed must not depend on ids to
 * give the same split in another project (ids now follow sorted paths, but old projects and re-imports that
 * added files keep other id orders).
 */
function canonicalSplit(db: Db, probeSetId: number, seed: number, fractions: readonly number[]): Uint8Array {
  const byPath = imageIdsByPath(db, probeSetId);
  const byId = probeImages(db, probeSetId);
  const canonical = makeSplit(byPath.length, { seed, train: fractions[0], val: fractions[1] });
  const code = new Map(byPath.map((id, i) => [id, canonical[i]]));
  return Uint8Array.from(byId, (r) => code.get(r.id)!);
}
