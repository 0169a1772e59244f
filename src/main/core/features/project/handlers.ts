import { basename, resolve } from 'node:path';
import type { Handlers } from '../../../../shared/define';
import type { Contract, ProjectInfo } from '../../../../shared/contract';
import type { BackendState, ProjectHandle } from '../../platform/context';
import { createProject, openProject, type Db } from '../../platform/store/open';
import { SCHEMA_VERSION } from '../../platform/store/migrations';
import { projectCounts, projectMeta, schemaVersion } from '../../platform/store/projectRepo';
import { APP_NAME, APP_VERSION } from '../../platform/version';
import { markInterruptedJobs } from '../jobs';
import { listDirectory } from './fsList';
import { RecentProjects } from './recent';

// The project feature: create / open (optionally read-only) / close the one project a backend holds, the
// recent list, version info and the browser-mode folder picker.

type ProjectMethods = 'app.info' | 'project.create' | 'project.open' | 'project.current' | 'project.close' | 'project.recent' | 'fs.list';

export function createProjectHandlers(state: BackendState): { handlers: Pick<Handlers<Contract>, ProjectMethods>; close(): boolean } {
  const opts = state.opts;
  const recent = new RecentProjects(opts.userDataDir);
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

  const handlers: Pick<Handlers<Contract>, ProjectMethods> = {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      schemaVersion: SCHEMA_VERSION,
      mode: opts.mode,
      platform: process.platform,
    }),

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
    'fs.list': ({ path }) => listDirectory(path),
  };
  return { handlers, close: closeProject };
}

function projectInfo(p: ProjectHandle): ProjectInfo {
  const meta = projectMeta(p.db);
  const counts = projectCounts(p.db);
  return {
    path: p.path,
    name: basename(p.path).replace(/\.nwb$/i, ''),
    schemaVersion: schemaVersion(p.db),
    createdWith: meta.created_with ?? 'unknown',
    createdAt: meta.created_at ?? '',
    probeSets: counts.probeSets,
    interruptedJobs: counts.interruptedJobs,
    readOnly: p.readOnly,
  };
}
