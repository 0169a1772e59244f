import type { Db } from './store/open';
import type { HostPdfPrinter } from './print/pdf';

// What every feature sees of the running backend: the open project and who owns its jobs. The composition root
// (app/backend.ts) creates it; features import only this type, never the root.

export type RunMode = 'electron' | 'web' | 'cli' | 'test';

export interface BackendOptions {
  /** Where recent projects and caches that outlive a project live. */
  userDataDir: string;
  mode: RunMode;
  /** better-sqlite3 binding built for Electron's ABI, when running inside Electron. */
  nativeBinding?: string;
  /** Electron's printer (webContents.printToPDF in the main process); elsewhere reports print with a headless Chromium. */
  printPdf?: HostPdfPrinter;
}

/** The open project, shared by every handler module. */
export interface ProjectHandle {
  db: Db;
  path: string;
  /** Identifies this backend instance as the owner of the jobs it runs. */
  owner: string;
  /** Opened for browsing only: every write is refused with read_only. */
  readOnly: boolean;
}

export interface BackendState {
  readonly opts: BackendOptions;
  readonly owner: string;
  project: ProjectHandle | null;
  /** The open project, or a clear error telling the user to open one. */
  requireProject(): ProjectHandle;
  /** Project files this backend has open: writers must never write over them (see safeWrite.ts). */
  openProjectPaths(): string[];
}
