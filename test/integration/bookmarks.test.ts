import Database from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bookmarkedNeurons } from '../../src/main/core/features/bookmarks';
import { SCHEMA_VERSION } from '../../src/main/core/platform/store/migrations';
import { call, testBackend } from '../helpers/backend';
import { refusal } from '../helpers/refusal';
import { tempDirSync } from '../helpers/tempDir';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// Neuron bookmarks (bookmark.list / set / remove, migration 005) through the real backend: a project with the demo
// CNN's pooled layer extracted over 30 Fashion-MNIST images, closed once and copied for each test.

let base: { project: string; setId: number; neurons: number; modelId: number };

beforeAll(async () => {
  const fx = await probeProject(3);
  const setId = await extract(fx, CNN, CNN_POOLED);
  const set = (await call(fx.backend, 'activations.list', {})).find((s) => s.id === setId)!;
  const project = fx.backend.state.requireProject().path;
  await call(fx.backend, 'project.close', {});
  base = { project, setId, neurons: set.nNeurons, modelId: set.modelId };
}, 120_000);

/** A fresh copy of the base project, open in a new backend. */
async function open(opts: { readOnly?: boolean; path?: string } = {}) {
  let path = opts.path;
  if (!path) {
    path = join(tempDirSync('bookmarks'), 'p.nwb');
    copyFileSync(base.project, path);
  }
  const backend = testBackend(tempDirSync('bookmarks-user'));
  await call(backend, 'project.open', { path, readOnly: opts.readOnly ?? false });
  return { backend, path };
}

describe('neuron bookmarks', () => {
  it('sets, lists (newest first), changes the note of, and removes bookmarks', async () => {
    const { backend } = await open();
    const setId = base.setId;
    expect(await call(backend, 'bookmark.list', {})).toEqual([]);

    const a = await call(backend, 'bookmark.set', { activationSetId: setId, neuron: 3, note: '  stripes?  ' });
    expect(a).toMatchObject({ activationSetId: setId, neuron: 3, note: 'stripes?' });
    expect(Number.isNaN(Date.parse(a.createdAt))).toBe(false);
    await new Promise((r) => setTimeout(r, 5));
    const b = await call(backend, 'bookmark.set', { activationSetId: setId, neuron: 1 });
    expect(b.note).toBe('');

    expect((await call(backend, 'bookmark.list', {})).map((x) => x.neuron)).toEqual([1, 3]);
    expect((await call(backend, 'bookmark.list', { activationSetId: setId })).map((x) => x.neuron)).toEqual([1, 3]);
    expect(bookmarkedNeurons(backend.state.requireProject().db, setId)).toEqual([1, 3]);

    // Setting again changes the note only: still one bookmark, created when it was first made.
    const a2 = await call(backend, 'bookmark.set', { activationSetId: setId, neuron: 3, note: 'vertical stripes' });
    expect(a2).toEqual({ ...a, note: 'vertical stripes' });
    expect(await call(backend, 'bookmark.list', { activationSetId: setId })).toEqual([b, a2]);

    expect(await call(backend, 'bookmark.remove', { activationSetId: setId, neuron: 3 })).toEqual({ removed: true });
    expect(await call(backend, 'bookmark.remove', { activationSetId: setId, neuron: 3 })).toEqual({ removed: false });
    expect(await call(backend, 'bookmark.list', {})).toEqual([b]);
    expect(bookmarkedNeurons(backend.state.requireProject().db, setId)).toEqual([1]);
    expect(bookmarkedNeurons(backend.state.requireProject().db, 999)).toEqual([]);

    // The last neuron is fine; bookmarks go with their activation set.
    await call(backend, 'bookmark.set', { activationSetId: setId, neuron: base.neurons - 1 });
    await call(backend, 'model.remove', { modelId: base.modelId });
    expect(await call(backend, 'bookmark.list', {})).toEqual([]);
  });

  it('refuses a neuron out of range and an unknown activation set, naming them, and writes nothing', async () => {
    const { backend, path } = await open();
    await call(backend, 'project.close', {});
    const before = readFileSync(path);
    await call(backend, 'project.open', { path });
    const n = base.neurons;

    for (const method of ['bookmark.set', 'bookmark.remove'] as const) {
      const out = await refusal(call(backend, method, { activationSetId: base.setId, neuron: n }));
      expect(out.code).toBe('bad_input');
      expect(out.message).toContain(`Neuron ${n} is out of range`);
      expect(out.message).toContain(`${n} neurons (0..${n - 1})`);

      const unknown = await refusal(call(backend, method, { activationSetId: 999, neuron: 0 }));
      expect(unknown.code).toBe('not_found');
      expect(unknown.message).toMatch(/Activation set 999 does not exist/);
    }
    const list = await refusal(call(backend, 'bookmark.list', { activationSetId: 999 }));
    expect(list.code).toBe('not_found');
    expect(list.message).toMatch(/Activation set 999/);
    // Contract checks: a negative neuron never reaches the handler.
    await expect(call(backend, 'bookmark.set', { activationSetId: base.setId, neuron: -1 })).rejects.toThrow(/>=0/);

    await call(backend, 'project.close', {});
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('survives closing and reopening the project', async () => {
    const { backend, path } = await open();
    const set = await call(backend, 'bookmark.set', { activationSetId: base.setId, neuron: 7, note: 'heels' });
    await call(backend, 'project.close', {});
    await call(backend, 'project.open', { path });
    expect(await call(backend, 'bookmark.list', {})).toEqual([set]);

    // Another process (a new backend) sees it too.
    await call(backend, 'project.close', {});
    const other = await open({ path });
    expect(await call(other.backend, 'bookmark.list', { activationSetId: base.setId })).toEqual([set]);
  });

  it('a read-only project lists its bookmarks and refuses changes with read_only', async () => {
    const { backend, path } = await open();
    const kept = await call(backend, 'bookmark.set', { activationSetId: base.setId, neuron: 2, note: 'kept' });
    await call(backend, 'project.close', {});

    const ro = await open({ path, readOnly: true });
    expect(await call(ro.backend, 'bookmark.list', {})).toEqual([kept]);
    for (const attempt of [
      call(ro.backend, 'bookmark.set', { activationSetId: base.setId, neuron: 4, note: 'new' }),
      call(ro.backend, 'bookmark.set', { activationSetId: base.setId, neuron: 2, note: 'changed' }),
      call(ro.backend, 'bookmark.remove', { activationSetId: base.setId, neuron: 2 }),
    ]) {
      const e = await refusal(attempt);
      expect(e.code).toBe('read_only');
      expect(e.message).toMatch(/open read-only/);
    }
    // Bad input is still named first.
    expect((await refusal(call(ro.backend, 'bookmark.set', { activationSetId: 999, neuron: 0 }))).code).toBe('not_found');
    expect(await call(ro.backend, 'bookmark.list', {})).toEqual([kept]);
  });

  it('an older project (schema 4) gains the table when opened for writing; read-only it must be upgraded first', async () => {
    const path = join(tempDirSync('bookmarks-old'), 'old.nwb');
    copyFileSync(base.project, path);
    // Make the copy what version 4 of the app wrote: no bookmarks table (nor the later migrations' tables), migrations 5+ not recorded.
    const raw = new Database(path);
    raw.exec(
      `DROP TABLE bookmarks; DROP TABLE neuron_columns; DROP TABLE gen_captions; DROP TABLE gen_completions; DROP TABLE gen_images; DROP TABLE neuron_profiles; DROP TABLE ratings; DROP TABLE rating_raters; DROP TABLE rating_item_sources; DROP TABLE rating_items; DROP TABLE rating_studies; ALTER TABLE splits DROP COLUMN source; ALTER TABLE splits DROP COLUMN name;
      DELETE FROM schema_migrations WHERE version >= 5; PRAGMA user_version = 4;`,
    );
    raw.close();

    const ro = testBackend(tempDirSync('bookmarks-user'));
    const refused = await refusal(call(ro, 'project.open', { path, readOnly: true }));
    expect(refused.code).toBe('read_only');
    expect(refused.message).toContain(`older schema (4; this version works on ${SCHEMA_VERSION})`);

    const { backend } = await open({ path });
    const db = backend.state.requireProject().db;
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await call(backend, 'bookmark.list', {})).toEqual([]);
    await call(backend, 'bookmark.set', { activationSetId: base.setId, neuron: 0 });
    expect(bookmarkedNeurons(db, base.setId)).toEqual([0]);
  });
});
