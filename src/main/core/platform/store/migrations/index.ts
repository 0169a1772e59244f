import { createHash } from 'node:crypto';
import { sql as m001 } from './001_foundation';
import { sql as m002 } from './002_explain_runs';
import { sql as m003 } from './003_ablation';
import { sql as m004 } from './004_non_finite';
import { sql as m005 } from './005_bookmarks';
import { sql as m006 } from './006_neuron_columns';
import { sql as m007 } from './007_split_source';
import { sql as m008 } from './008_generative_cache';
import { sql as m009 } from './009_ratings';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

function migration(version: number, name: string, sql: string): Migration {
  return { version, name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
}

/** Numbered, append-only. The last version is the schema version this build writes. */
export const MIGRATIONS: readonly Migration[] = [
  migration(1, 'foundation', m001),
  migration(2, 'explain_runs', m002),
  migration(3, 'ablation', m003),
  migration(4, 'non_finite', m004),
  migration(5, 'bookmarks', m005),
  migration(6, 'neuron_columns', m006),
  migration(7, 'split_source', m007),
  migration(8, 'generative_cache', m008),
  migration(9, 'ratings', m009),
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
