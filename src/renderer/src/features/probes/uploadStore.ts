import { UPLOAD_LIMITS, type UploadFile } from '../../../../shared/contract';
import type { Api } from '../../api';
import { isCancelled, toShownError, type ShownError } from '../../lib/errors';
import { jobKey, type JobStore } from '../jobs';
import type { DroppedFile, DroppedTree } from './droppedTree';

// A browser-mode drop, from the dropped tree to the import job (docs/probe-import.md):
//   review    (only when big: over 200 MB or 20,000 files, or when the folder has CSVs to choose from)
//   hashing   SHA-256 of every image in the page (crypto.subtle)
//   uploading probe.upload.begin names the files with their hashes, the backend answers which it already has
//             and where interrupted ones continue; probe.upload.chunk sends the rest, 512 KB per call
//   importing probe.upload.finish, then the usual probe.import job of the upload folder (same labels rule,
//             same skip reasons, its progress in the import card)
// The run lives outside React, so leaving the screen does not stop it; Cancel stops it between calls, and
// what arrived is kept: dropping the folder again continues from there.

export type UploadPhase = 'review' | 'hashing' | 'uploading' | 'finishing' | 'importing' | 'cancelled' | 'failed';

export interface UploadState {
  tree: DroppedTree;
  /** Where the files go (shown before the upload starts). */
  target: string;
  phase: UploadPhase;
  /** Why a review is asked for: the size warning, or null. */
  warning: string | null;
  /** The chosen labels CSV (relative path of one of tree.csvs) or null. */
  labelsCsv: string | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Of filesDone / bytesDone: what the backend already had (not sent again). */
  filesHad: number;
  bytesHad: number;
  error: ShownError | null;
  /** Seconds left at the rate so far (absent until there is a rate). */
  etaSeconds?: number;
}

export interface UploadDeps {
  api: Api;
  jobs: JobStore;
  projectPath: string;
}

/** `<project dir>/<project name>.uploads/<folder>` (the backend's projectUploadsDir). */
export function uploadTarget(projectPath: string, name: string): string {
  const sep = projectPath.includes('\\') && !projectPath.includes('/') ? '\\' : '/';
  return `${projectPath.replace(/\.nwb$/i, '')}.uploads${sep}${name}`;
}

function sizeWarning(tree: DroppedTree): string | null {
  const big = tree.bytes > UPLOAD_LIMITS.confirmBytes;
  const many = tree.images.length > UPLOAD_LIMITS.confirmFiles;
  if (!big && !many) return null;
  const what = [
    big ? `over ${UPLOAD_LIMITS.confirmBytes / 1048576} MB` : '',
    many ? `over ${UPLOAD_LIMITS.confirmFiles.toLocaleString('en-US')} files` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `This is a big upload (${what}): the files are copied next to the project, which takes time and disk space. For folders this size, typing the folder's path imports it in place without a copy.`;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function sha256(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class UploadStore {
  private state: UploadState | null = null;
  private listeners = new Set<() => void>();
  private controller: AbortController | null = null;
  private deps: UploadDeps | null = null;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  get = (): UploadState | null => this.state;

  private set(patch: Partial<UploadState>): void {
    if (!this.state) return;
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  get running(): boolean {
    return this.controller !== null;
  }

  /** A dropped tree: starts at once when small, otherwise waits in review for the user's go. */
  offer(tree: DroppedTree, deps: UploadDeps): void {
    if (this.running) throw new Error(`The upload of “${this.state?.tree.name}” is still running; cancel it or wait for it to finish.`);
    this.deps = deps;
    const warning = sizeWarning(tree);
    this.state = {
      tree,
      target: uploadTarget(deps.projectPath, tree.name),
      phase: 'review',
      warning,
      labelsCsv: null,
      filesTotal: tree.images.length,
      filesDone: 0,
      bytesTotal: tree.bytes,
      bytesDone: 0,
      filesHad: 0,
      bytesHad: 0,
      error: null,
    };
    for (const l of this.listeners) l();
    if (!warning && tree.csvs.length === 0 && tree.images.length > 0) void this.start();
  }

  setLabelsCsv(relPath: string | null): void {
    this.set({ labelsCsv: relPath });
  }

  /** Leave the review (or a finished, failed or cancelled card). */
  dismiss(): void {
    if (this.running) return;
    this.state = null;
    for (const l of this.listeners) l();
  }

  cancel(): void {
    this.controller?.abort();
  }

  async start(): Promise<void> {
    const s = this.state;
    const deps = this.deps;
    if (!s || !deps || this.running) return;
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    const { api } = deps;
    const name = s.tree.name;
    const csv = s.labelsCsv ? (s.tree.csvs.find((c) => c.relPath === s.labelsCsv) ?? null) : null;
    const all: DroppedFile[] = [...s.tree.images, ...(csv ? [csv] : [])];
    this.set({
      phase: 'hashing',
      filesTotal: all.length,
      bytesTotal: all.reduce((a, f) => a + f.file.size, 0),
      filesDone: 0,
      bytesDone: 0,
      error: null,
    });
    try {
      // 1. Hashes, in the page.
      const described: UploadFile[] = [];
      let hashedBytes = 0;
      let lastPaint = 0;
      for (const f of all) {
        if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
        described.push({ relPath: f.relPath, bytes: f.file.size, sha256: await sha256(f.file) });
        hashedBytes += f.file.size;
        if (performance.now() - lastPaint > 100 || described.length === all.length) {
          lastPaint = performance.now();
          this.set({ filesDone: described.length, bytesDone: hashedBytes });
        }
      }
      // 2. Describe them; the backend answers what it already has.
      this.set({ phase: 'uploading', filesDone: 0, bytesDone: 0, etaSeconds: undefined });
      const images = csv ? described.slice(0, -1) : described;
      const need: { relPath: string; offset: number }[] = [];
      let filesHad = 0;
      let bytesHad = 0;
      for (let i = 0; i < images.length; i += UPLOAD_LIMITS.filesPerBegin) {
        const r = await api.call(
          'probe.upload.begin',
          {
            name,
            files: images.slice(i, i + UPLOAD_LIMITS.filesPerBegin),
            more: i > 0,
            ...(i === 0 && csv ? { labelsCsv: described[described.length - 1] } : {}),
          },
          { signal },
        );
        need.push(...r.need);
        filesHad += r.have;
        bytesHad += r.haveBytes;
      }
      // Files the backend has in part count their received bytes as done.
      const byPath = new Map(all.map((f) => [f.relPath, f]));
      const partBytes = need.reduce((a, n) => a + n.offset, 0);
      const total = this.state?.bytesTotal ?? 0;
      let filesDone = all.length - need.length;
      let bytesDone = total - need.reduce((a, n) => a + ((byPath.get(n.relPath)?.file.size ?? 0) - n.offset), 0);
      this.set({ filesHad, bytesHad: bytesHad + partBytes, filesDone, bytesDone });
      const sendStart = performance.now();
      const sendFrom = bytesDone;
      // 3. Send what is missing, several small files or a slice of a big one per call.
      let pieces: { relPath: string; offset: number; data: string }[] = [];
      let size = 0;
      const flush = async () => {
        if (!pieces.length) return;
        if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
        const r = await api.call('probe.upload.chunk', { name, pieces }, { signal });
        bytesDone += r.bytes;
        filesDone += r.completed.length;
        const rate = (bytesDone - sendFrom) / Math.max(1e-3, (performance.now() - sendStart) / 1000);
        this.set({ bytesDone, filesDone, etaSeconds: rate > 0 ? (total - bytesDone) / rate : undefined });
        pieces = [];
        size = 0;
      };
      for (const n of need) {
        const f = byPath.get(n.relPath) as DroppedFile;
        for (let off = n.offset; off < f.file.size;) {
          const take = Math.min(UPLOAD_LIMITS.chunkBytes - size, f.file.size - off);
          if (take <= 0) {
            await flush();
            continue;
          }
          const bytes = new Uint8Array(await f.file.slice(off, off + take).arrayBuffer());
          if (bytes.length !== take) throw new Error(`“${f.relPath}” changed while it was being uploaded; drop the folder again.`);
          pieces.push({ relPath: f.relPath, offset: off, data: base64(bytes) });
          size += take;
          off += take;
        }
        if (pieces.length >= 4000) await flush();
      }
      await flush();
      // 4. Check it all arrived, then the usual import.
      this.set({ phase: 'finishing' });
      const fin = await api.call('probe.upload.finish', { name }, { signal });
      this.set({ phase: 'importing' });
      this.controller = null;
      const key = jobKey('probe.import', deps.projectPath);
      deps.jobs.dismiss(key);
      void deps.jobs.start(key, `Import ${name}`, 'probe.import', {
        root: fin.root,
        name,
        ...(fin.labelsCsv ? { labelsCsv: fin.labelsCsv } : {}),
      });
    } catch (e) {
      const cancelled = signal.aborted || (e instanceof DOMException && e.name === 'AbortError') || isCancelled(e);
      this.set({ phase: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : toShownError(e) });
    } finally {
      if (this.controller === controller) this.controller = null;
      for (const l of this.listeners) l();
    }
  }
}

/** The one upload of this page (a module value: it outlives the screens). */
export const uploads = new UploadStore();
