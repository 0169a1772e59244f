import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../platform/files/jsonFile';

// Recent projects live in the user's data folder (not in any project), as a small JSON list.

export interface RecentEntry {
  path: string;
  name: string;
  openedAt: string;
}

const MAX_RECENT = 12;

export class RecentProjects {
  private readonly file: string;
  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'recent-projects.json');
  }

  list(): (RecentEntry & { exists: boolean })[] {
    return this.read().map((e) => ({ ...e, exists: existsSync(e.path) }));
  }

  async touch(path: string): Promise<void> {
    const entries = this.read().filter((e) => e.path !== path);
    entries.unshift({ path, name: basename(path).replace(/\.nwb$/i, ''), openedAt: new Date().toISOString() });
    // The list is a convenience: failing to update it (read-only home, full disk) must never fail opening a project.
    await writeJsonAtomic(this.file, entries.slice(0, MAX_RECENT)).catch(() => undefined);
  }

  private read(): RecentEntry[] {
    const parsed = readJsonFile(this.file);
    return Array.isArray(parsed) ? (parsed as RecentEntry[]).filter((e) => typeof e?.path === 'string') : [];
  }
}
