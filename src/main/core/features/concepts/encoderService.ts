import { basename, resolve } from 'node:path';
import type { EncoderInfo } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { inspectEncoder, openEncoder, type Encoder, type EncoderInspection } from '../../onnx/encoders';
import { stampOf, stampStatus, type Stamp } from '../../platform/files/fileStamp';
import * as repo from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import type { CalibrationLibrary } from './calibrationLibrary';

// Encoders of a project: adding (inspect + hash + library calibrations), status, and open sessions.
// Sessions are cached per folder + sha for the life of the backend: creating the two ONNX sessions of a
// real SigLIP takes seconds, and typed-text scoring on the neuron page must answer instantly.

export function encoderStatus(row: repo.EncoderRow): EncoderInfo['status'] {
  return stampStatus(row.path, (row.info.stamp ?? {}) as Stamp);
}

export function encoderInfo(db: Db, row: repo.EncoderRow): EncoderInfo {
  const i = row.info as unknown as EncoderInspection;
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    sha256: row.sha256,
    layout: i.layout,
    modelType: i.modelType ?? null,
    dim: i.dim,
    imageSize: i.imageSize,
    fixedTextLength: i.fixedTextLength ?? null,
    maxTextLength: i.maxTextLength,
    files: i.files as Record<string, string>,
    status: encoderStatus(row),
    calibration: repo.currentCalibration(db, row.id),
    createdAt: row.createdAt,
  };
}

export async function addEncoder(db: Db, library: CalibrationLibrary, path: string, name?: string): Promise<repo.EncoderRow> {
  const folder = resolve(path);
  const inspection = await inspectEncoder(folder);
  const info = { ...inspection, stamp: stampOf(Object.values(inspection.files as Record<string, string>)) } as unknown as Record<
    string,
    unknown
  >;
  // Check and insert under one write lock (IMMEDIATE), so parallel adds of one folder (other processes
  // too) give one encoder row, not one each.
  return db
    .transaction(() => {
      const existing = repo.findEncoderBySha(db, inspection.sha256, folder);
      if (existing) return existing;
      const id = repo.insertEncoder(db, {
        name: name ?? (inspection.name || basename(folder)),
        path: folder,
        sha256: inspection.sha256,
        info,
      });
      // Oldest first, so the newest library entry ends up the one in use.
      for (const e of [...library.entries(inspection.sha256)].reverse()) {
        repo.insertCalibration(db, {
          encoderId: id,
          a: e.a,
          b: e.b,
          source: 'library',
          label: e.label,
          bceBefore: e.bceBefore,
          bceAfter: e.bceAfter,
          createdAt: e.createdAt,
        });
      }
      return repo.getEncoder(db, id)!;
    })
    .immediate();
}

export function requireEncoder(db: Db, id: number): repo.EncoderRow {
  const row = repo.getEncoder(db, id);
  if (!row) throw new AppError('not_found', `Encoder ${id} does not exist in this project.`);
  const status = encoderStatus(row);
  if (status === 'missing')
    throw new AppError(
      'not_found',
      `The files of encoder "${row.name}" are gone from ${row.path}. Put them back or add the encoder again from its new folder.`,
    );
  if (status === 'changed')
    throw new AppError(
      'bad_input',
      `The files of encoder "${row.name}" in ${row.path} changed since it was added. Add the folder again (a new encoder) so cached embeddings and calibrations stay truthful.`,
    );
  return row;
}

/** The calibration in use, or a clear error saying how to get one. */
export function requireCalibration(db: Db, row: repo.EncoderRow): { a: number; b: number; id: number } {
  const c = repo.currentCalibration(db, row.id);
  if (!c)
    throw new AppError(
      'bad_input',
      `Encoder "${row.name}" is not calibrated. Run the calibration wizard (calibration.run) on a labelled probe set, or pick a preset (calibration.set).`,
    );
  return c;
}

const sessions = new Map<string, Promise<Encoder>>();

export function encoderSession(row: repo.EncoderRow): Promise<Encoder> {
  const key = `${row.path}\n${row.sha256}`;
  let s = sessions.get(key);
  if (!s) {
    s = openEncoder(row.path);
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

export async function closeEncoderSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.allSettled(all.map(async (p) => (await p).close()));
}
