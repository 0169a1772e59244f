import type { CalibrationInfo, CalibrationReport } from '../../../../shared/contract';
import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables `encoders` and `calibrations`. An encoder row is a local folder identified by the sha256 of its
// files; `info_json` holds what inspection found (layout, dims, file names). The calibration in use is the
// newest one. A fitted calibration keeps its full report (reliability diagram, AUROC) in details_json.

export interface EncoderRow {
  id: number;
  name: string;
  path: string;
  sha256: string;
  info: Record<string, unknown>;
  createdAt: string;
}

interface RawEncoder {
  id: number;
  name: string;
  path: string;
  sha256: string;
  info_json: string;
  created_at: string;
}

const toEncoder = (r: RawEncoder): EncoderRow => ({
  id: r.id,
  name: r.name,
  path: r.path,
  sha256: r.sha256,
  info: JSON.parse(r.info_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function insertEncoder(db: Db, e: Omit<EncoderRow, 'id' | 'createdAt'>): number {
  return Number(
    stmt(db, 'INSERT INTO encoders(name, path, sha256, info_json, created_at) VALUES (?,?,?,?,?)').run(
      e.name,
      e.path,
      e.sha256,
      JSON.stringify(e.info),
      nowIso(),
    ).lastInsertRowid,
  );
}

export function getEncoder(db: Db, id: number): EncoderRow | null {
  const r = stmt(db, 'SELECT * FROM encoders WHERE id = ?').get(id) as RawEncoder | undefined;
  return r ? toEncoder(r) : null;
}

export function findEncoderBySha(db: Db, sha256: string, path: string): EncoderRow | null {
  const r = stmt(db, 'SELECT * FROM encoders WHERE sha256 = ? AND path = ? ORDER BY id LIMIT 1').get(sha256, path) as
    RawEncoder | undefined;
  return r ? toEncoder(r) : null;
}

export function listEncoders(db: Db): EncoderRow[] {
  return (stmt(db, 'SELECT * FROM encoders ORDER BY id').all() as RawEncoder[]).map(toEncoder);
}

export function deleteEncoder(db: Db, id: number): boolean {
  return stmt(db, 'DELETE FROM encoders WHERE id = ?').run(id).changes > 0;
}

interface RawCalibration {
  id: number;
  encoder_id: number;
  a: number;
  b: number;
  bce_before: number | null;
  bce_after: number | null;
  details_json: string;
  created_at: string;
}

interface CalibrationDetails {
  source: CalibrationInfo['source'];
  label: string;
  report?: CalibrationReport;
}

const toCalibration = (r: RawCalibration): CalibrationInfo => {
  const d = JSON.parse(r.details_json) as CalibrationDetails;
  return {
    id: r.id,
    encoderId: r.encoder_id,
    a: r.a,
    b: r.b,
    source: d.source,
    label: d.label,
    bceBefore: r.bce_before,
    bceAfter: r.bce_after,
    createdAt: r.created_at,
  };
};

export interface NewCalibration {
  encoderId: number;
  a: number;
  b: number;
  source: CalibrationInfo['source'];
  label: string;
  bceBefore: number | null;
  bceAfter: number | null;
  runId?: number | null;
  createdAt?: string;
}

export function insertCalibration(db: Db, c: NewCalibration): CalibrationInfo {
  const details: CalibrationDetails = { source: c.source, label: c.label };
  const id = Number(
    stmt(
      db,
      'INSERT INTO calibrations(encoder_id, a, b, bce_before, bce_after, details_json, run_id, created_at) VALUES (?,?,?,?,?,?,?,?)',
    ).run(c.encoderId, c.a, c.b, c.bceBefore, c.bceAfter, JSON.stringify(details), c.runId ?? null, c.createdAt ?? nowIso())
      .lastInsertRowid,
  );
  return getCalibration(db, id)!;
}

/** Attach the full report of a fitted calibration (written after the calibration row exists, in the same transaction). */
export function setCalibrationReport(db: Db, id: number, report: CalibrationReport): void {
  const row = stmt(db, 'SELECT details_json FROM calibrations WHERE id = ?').get(id) as { details_json: string } | undefined;
  if (!row) return;
  const d = JSON.parse(row.details_json) as CalibrationDetails;
  stmt(db, 'UPDATE calibrations SET details_json = ? WHERE id = ?').run(JSON.stringify({ ...d, report }), id);
}

export function getCalibration(db: Db, id: number): CalibrationInfo | null {
  const r = stmt(db, 'SELECT * FROM calibrations WHERE id = ?').get(id) as RawCalibration | undefined;
  return r ? toCalibration(r) : null;
}

export function calibrationReport(db: Db, id: number): CalibrationReport | null {
  const r = stmt(db, 'SELECT details_json FROM calibrations WHERE id = ?').get(id) as { details_json: string } | undefined;
  return r ? ((JSON.parse(r.details_json) as CalibrationDetails).report ?? null) : null;
}

/** Newest first: the first is the one in use. */
export function listCalibrations(db: Db, encoderId: number): CalibrationInfo[] {
  return (
    stmt(db, 'SELECT * FROM calibrations WHERE encoder_id = ? ORDER BY created_at DESC, id DESC').all(encoderId) as RawCalibration[]
  ).map(toCalibration);
}

export function currentCalibration(db: Db, encoderId: number): CalibrationInfo | null {
  return listCalibrations(db, encoderId)[0] ?? null;
}

/** Display names of simulator keys: 'label', 'reported', encoder sha -> encoder name. */
export function simulatorNames(db: Db): Map<string, string> {
  const names = new Map<string, string>([
    ['label', 'label simulator'],
    ['reported', 'reported in file'],
  ]);
  for (const e of listEncoders(db)) if (!names.has(e.sha256)) names.set(e.sha256, e.name);
  return names;
}
