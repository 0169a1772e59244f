import { join } from 'node:path';
import type { DescriberFormat, DescriberRole, EndpointSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { Stamp } from '../../platform/files/fileStamp';
import { readJsonFile, writeJsonAtomic } from '../../platform/files/jsonFile';

// The app-wide library of generative models: one JSON file in the user's data folder, so a captioner, language model
// or image generator added once serves every project (like the calibration library). Entries are found again by
// content hash: adding the same files again (from any folder) returns the existing entry. Writes replace the file
// atomically; two app windows adding at the same instant may lose one add (the user adds it again), never the file.

export interface LibraryEntry {
  id: number;
  role: DescriberRole;
  format: DescriberFormat;
  name: string;
  /** Absolute folder or file; null for an endpoint. */
  path: string | null;
  endpoint: EndpointSpec | null;
  sha256: string;
  /** Relative to path (a file's own name when path is a file). */
  files: string[];
  bytes: number;
  details: Record<string, string | number | boolean>;
  stamp: Stamp;
  addedAt: string;
}

interface LibraryFile {
  version: 1;
  nextId: number;
  entries: LibraryEntry[];
}

export class DescriberLibrary {
  readonly file: string;
  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'describer-library.json');
  }

  list(): LibraryEntry[] {
    return this.read().entries;
  }

  get(id: number): LibraryEntry {
    const e = this.read().entries.find((x) => x.id === id);
    if (!e) throw new AppError('not_found', `Generative model ${id} is not in the library (${this.file}). List them with describer.list.`);
    return e;
  }

  /** The entry of the same role with the same content (and, for files, the same path), if any. */
  find(role: DescriberRole, sha256: string, path: string | null): LibraryEntry | undefined {
    return this.read().entries.find((x) => x.role === role && x.sha256 === sha256 && x.path === path);
  }

  async add(e: Omit<LibraryEntry, 'id'>): Promise<LibraryEntry> {
    const lib = this.read();
    const entry = { ...e, id: lib.nextId };
    await writeJsonAtomic(this.file, { ...lib, nextId: lib.nextId + 1, entries: [...lib.entries, entry] });
    return entry;
  }

  /** Replace fields of an entry (e.g. the stamp after a re-hash found the same content). */
  async update(id: number, patch: Partial<Omit<LibraryEntry, 'id'>>): Promise<void> {
    const lib = this.read();
    await writeJsonAtomic(this.file, { ...lib, entries: lib.entries.map((x) => (x.id === id ? { ...x, ...patch } : x)) });
  }

  async remove(id: number): Promise<boolean> {
    const lib = this.read();
    const entries = lib.entries.filter((x) => x.id !== id);
    if (entries.length === lib.entries.length) return false;
    await writeJsonAtomic(this.file, { ...lib, entries });
    return true;
  }

  private read(): LibraryFile {
    const parsed = readJsonFile(this.file) as Partial<LibraryFile> | null;
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.entries)) return { version: 1, nextId: 1, entries: [] };
    const maxId = parsed.entries.reduce((m, x) => Math.max(m, x.id), 0);
    return { version: 1, nextId: Math.max(parsed.nextId ?? 1, maxId + 1), entries: parsed.entries };
  }
}

/** The library of this backend's user data folder (cheap: it reads the file on each call). */
export const libraryOf = (state: { opts: { userDataDir: string } }): DescriberLibrary => new DescriberLibrary(state.opts.userDataDir);
