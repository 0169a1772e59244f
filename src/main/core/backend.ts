import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Handlers } from '../../shared/define';
import type { Contract, ProjectInfo } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { RecentProjects } from './recent';
import { createProject, openProject, type Db } from './store/open';
import { SCHEMA_VERSION } from './store/migrations';
import { APP_NAME, APP_VERSION } from './version';
import { createProbeHandlers } from './probe/handlers';
import { createJobHandlers, markInterruptedJobs } from './jobs/handlers';
import { listDirectory } from './fsList';
import { createModelHandlers } from './inference/handlers';
import { createExplainHandlers } from './explanations/handlers';
import { createAblationHandlers } from './ablationJob/handlers';
import { createConceptHandlers } from './scorer/handlers';
import { closeEncoderSessions } from './scorer/encoderService';
import { withStoreErrors } from './storeErrors';

export type RunMode = 'electron' | 'web' | 'cli' | 'test';

export interface BackendOptions {
  /** Where recent projects and caches that outlive a project live. */
  userDataDir: string;
  mode: RunMode;
  /** better-sqlite3 binding built for Electron's ABI, when running inside Electron. */
  nativeBinding?: string;
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

export interface Backend {
  handlers: Handlers<Contract>;
  state: BackendState;
  dispose(): void;
}

export function createBackend(opts: BackendOptions): Backend {
  const recent = new RecentProjects(opts.userDataDir);
  const state: BackendState = {
    opts,
    owner: randomUUID(),
    project: null,
    requireProject() {
      if (!state.project) throw new AppError('no_project', 'No project is open. Create or open a project first.');
      return state.project;
    },
    openProjectPaths: () => (state.project ? [state.project.path] : []),
  };
  const storeOpts = { appVersion: APP_VERSION, nativeBinding: opts.nativeBinding };

  function closeProject(): boolean {
    if (!state.project) return false;
    state.project.db.close();
    state.project = null;
    return true;
  }

  async function adopt(db: Db, path: string, readOnly = false): Promise<ProjectInfo> {
    closeProject();
    state.project = { db, path, owner: state.owner, readOnly };
    if (!readOnly) markInterruptedJobs(db, state.owner);
    await recent.touch(path);
    return projectInfo(state.project);
  }

  const handlers: Handlers<Contract> = {
    'app.info': () => ({ name: APP_NAME, version: APP_VERSION, schemaVersion: SCHEMA_VERSION, mode: opts.mode, platform: process.platform }),

    'project.create': async ({ path }) => {
      const full = resolve(path.endsWith('.nwb') ? path : `${path}.nwb`);
      return adopt(await createProject(full, storeOpts), full);
    },
    'project.open': async ({ path, readOnly }) => {
      const full = resolve(path);
      if (state.project?.path === full && state.project.readOnly === readOnly) return projectInfo(state.project);
      if (state.project?.path === full) closeProject(); // reopen in the other mode
      return adopt(openProject(full, { ...storeOpts, readOnly }), full, readOnly);
    },
    'project.current': () => (state.project ? projectInfo(state.project) : null),
    'project.close': () => ({ closed: closeProject() }),
    'project.recent': () => recent.list(),

    ...createProbeHandlers(state),
    ...createJobHandlers(state),
    ...createModelHandlers(state),
    ...createExplainHandlers(state),
    ...createAblationHandlers(state),
    ...createConceptHandlers(state),

    'fs.list': ({ path }) => listDirectory(path),
  };

  return {
    handlers: withStoreErrors(handlers, state),
    state,
    dispose: () => {
      closeProject();
      void closeEncoderSessions();
    },
  };
}

function projectInfo(p: ProjectHandle): ProjectInfo {
  const meta = Object.fromEntries(
    (p.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
  );
  const count = (sql: string) => (p.db.prepare(sql).get() as { n: number }).n;
  return {
    path: p.path,
    name: basename(p.path).replace(/\.nwb$/i, ''),
    schemaVersion: p.db.pragma('user_version', { simple: true }) as number,
    createdWith: meta.created_with ?? 'unknown',
    createdAt: meta.created_at ?? '',
    probeSets: count('SELECT count(*) AS n FROM probe_sets'),
    interruptedJobs: count(`SELECT count(*) AS n FROM jobs WHERE status = 'interrupted'`),
    readOnly: p.readOnly,
  };
}
