import type { Db } from './open';
import { nowIso, stmt } from './statements';

// Tables rating_studies, rating_items, rating_item_sources, rating_raters, ratings (migration 009): blind rating
// studies. A study's items are written once, in one transaction, in display order (so item ids say nothing about
// which method gave a label); ratings are upserted one at a time as raters give them.

export interface StudyRow {
  id: number;
  activationSetId: number;
  name: string;
  seed: number;
  params: Record<string, unknown>;
  createdAt: string;
}

export interface NewItem {
  neuron: number;
  ord: number;
  position: number;
  label: string;
  sources: { runId: number; method: string }[];
}

export interface ItemRow {
  id: number;
  neuron: number;
  ord: number;
  position: number;
  label: string;
}

export interface RatingRow {
  itemId: number;
  rater: string;
  score: number;
  ratedAt: string;
}

interface RawStudy {
  id: number;
  activation_set_id: number;
  name: string;
  seed: number;
  params: string;
  created_at: string;
}

const toStudy = (r: RawStudy): StudyRow => ({
  id: r.id,
  activationSetId: r.activation_set_id,
  name: r.name,
  seed: r.seed,
  params: JSON.parse(r.params) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function insertStudy(db: Db, s: Omit<StudyRow, 'id' | 'createdAt'>, items: readonly NewItem[]): number {
  return db
    .transaction(() => {
      const id = Number(
        stmt(db, 'INSERT INTO rating_studies(activation_set_id, name, seed, params, created_at) VALUES (?, ?, ?, ?, ?)').run(
          s.activationSetId,
          s.name,
          s.seed,
          JSON.stringify(s.params),
          nowIso(),
        ).lastInsertRowid,
      );
      const item = stmt(db, 'INSERT INTO rating_items(study_id, neuron, ord, position, label) VALUES (?, ?, ?, ?, ?)');
      const source = stmt(db, 'INSERT INTO rating_item_sources(item_id, explain_run_id, method) VALUES (?, ?, ?)');
      for (const it of items) {
        const itemId = Number(item.run(id, it.neuron, it.ord, it.position, it.label).lastInsertRowid);
        for (const src of it.sources) source.run(itemId, src.runId, src.method);
      }
      return id;
    })
    .immediate();
}

export function getStudy(db: Db, id: number): StudyRow | null {
  const r = stmt(db, 'SELECT * FROM rating_studies WHERE id = ?').get(id) as RawStudy | undefined;
  return r ? toStudy(r) : null;
}

/** Newest first. */
export function listStudies(db: Db, activationSetId?: number): StudyRow[] {
  const rows = (
    activationSetId === undefined
      ? stmt(db, 'SELECT * FROM rating_studies ORDER BY id DESC').all()
      : stmt(db, 'SELECT * FROM rating_studies WHERE activation_set_id = ? ORDER BY id DESC').all(activationSetId)
  ) as RawStudy[];
  return rows.map(toStudy);
}

export function deleteStudy(db: Db, id: number): boolean {
  return stmt(db, 'DELETE FROM rating_studies WHERE id = ?').run(id).changes > 0;
}

/** In display order: neurons by their place in the study, labels by their place at the neuron. */
export function studyItems(db: Db, studyId: number): ItemRow[] {
  return stmt(db, 'SELECT id, neuron, ord, position, label FROM rating_items WHERE study_id = ? ORDER BY ord, position').all(
    studyId,
  ) as ItemRow[];
}

export function itemSources(db: Db, studyId: number): { itemId: number; runId: number; method: string }[] {
  return stmt(
    db,
    `SELECT s.item_id AS itemId, s.explain_run_id AS runId, s.method FROM rating_item_sources s
     JOIN rating_items i ON i.id = s.item_id WHERE i.study_id = ? ORDER BY s.item_id, s.explain_run_id, s.method`,
  ).all(studyId) as { itemId: number; runId: number; method: string }[];
}

/** Raters in the order they joined, with how many labels each rated. */
export function raters(db: Db, studyId: number): { name: string; rated: number }[] {
  return stmt(
    db,
    `SELECT r.name, COUNT(x.item_id) AS rated FROM rating_raters r LEFT JOIN ratings x ON x.rater_id = r.id
     WHERE r.study_id = ? GROUP BY r.id ORDER BY r.id`,
  ).all(studyId) as { name: string; rated: number }[];
}

export function studyRatings(db: Db, studyId: number): RatingRow[] {
  return stmt(
    db,
    `SELECT x.item_id AS itemId, r.name AS rater, x.score, x.rated_at AS ratedAt FROM ratings x
     JOIN rating_raters r ON r.id = x.rater_id WHERE r.study_id = ? ORDER BY r.id, x.item_id`,
  ).all(studyId) as RatingRow[];
}

/** One rater's scores by item id. */
export function raterScores(db: Db, studyId: number, rater: string): Map<number, number> {
  const rows = stmt(
    db,
    'SELECT x.item_id AS itemId, x.score FROM ratings x JOIN rating_raters r ON r.id = x.rater_id WHERE r.study_id = ? AND r.name = ?',
  ).all(studyId, rater) as { itemId: number; score: number }[];
  return new Map(rows.map((r) => [r.itemId, r.score]));
}

export function itemInStudy(db: Db, studyId: number, itemId: number): boolean {
  return stmt(db, 'SELECT 1 FROM rating_items WHERE id = ? AND study_id = ?').get(itemId, studyId) !== undefined;
}

/** Save or (score null) clear one rating; the rater is added to the study on their first rating. */
export function setRating(db: Db, studyId: number, rater: string, itemId: number, score: number | null): void {
  db.transaction(() => {
    stmt(db, 'INSERT INTO rating_raters(study_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (study_id, name) DO NOTHING').run(
      studyId,
      rater,
      nowIso(),
    );
    const raterId = (stmt(db, 'SELECT id FROM rating_raters WHERE study_id = ? AND name = ?').get(studyId, rater) as { id: number }).id;
    if (score === null) stmt(db, 'DELETE FROM ratings WHERE rater_id = ? AND item_id = ?').run(raterId, itemId);
    else
      stmt(
        db,
        `INSERT INTO ratings(rater_id, item_id, score, rated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (rater_id, item_id) DO UPDATE SET score = excluded.score, rated_at = excluded.rated_at`,
      ).run(raterId, itemId, score, nowIso());
  }).immediate();
}
