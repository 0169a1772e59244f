// Migration 7: splits given by the user. Never edit once shipped (its hash is recorded, see 001).
// A split was always seeded (made from a seed and fractions); split.import stores a train/val/test assignment
// read from a file or index lists, to compare with another tool image for image. `source` tells them apart
// (a seeded split is found again by seed + fractions; an imported one only by its id), `name` says where an
// imported one came from. Existing rows are seeded.
export const sql = `
ALTER TABLE splits ADD COLUMN source TEXT NOT NULL DEFAULT 'seeded' CHECK (source IN ('seeded', 'imported'));
ALTER TABLE splits ADD COLUMN name TEXT;
`;
