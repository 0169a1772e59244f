import { randomUUID } from 'node:crypto';
import type { Handlers } from '../../../shared/define';
import type { Contract } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { BackendOptions, BackendState } from '../platform/context';
import { registerJobKinds } from '../platform/jobs/registry';
import { JOB_KINDS } from './jobKinds';
import { createProbeHandlers } from '../features/probes/handlers';
import { createJobHandlers } from '../features/jobs/handlers';
import { createProjectHandlers } from '../features/project/handlers';
import { createModelHandlers } from '../features/models/handlers';
import { createExplainHandlers } from '../features/explanations/handlers';
import { createAblationHandlers } from '../features/ablation/handlers';
import { createConceptHandlers } from '../features/concepts/handlers';
import { createBookmarkHandlers } from '../features/bookmarks';
import { closeEncoderSessions } from '../features/concepts/encoderService';
import { createReportHandlers } from '../features/reports/handlers';
import { createDescriberHandlers, disposeRuntimes } from '../features/describers';
import { createDissectHandlers } from '../features/dissect';
import { createClassifierFindingHandlers, createCompareHandlers } from '../features/compare';
import { createRatingHandlers } from '../features/ratings';
import { createClusterHandlers } from '../features/cluster';
import { withStoreErrors } from './storeErrors';

// The composition root: the explicit list of features (their handlers) and job kinds, and the state they share.
// Nothing but the hosts (electron, web, CLI, tests) imports this file; features see the state through
// platform/context.ts.

export type { BackendOptions, BackendState, ProjectHandle, RunMode } from '../platform/context';

export interface Backend {
  handlers: Handlers<Contract>;
  state: BackendState;
  dispose(): void;
}

export function createBackend(opts: BackendOptions): Backend {
  registerJobKinds(JOB_KINDS);
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
  const project = createProjectHandlers(state);

  const handlers: Handlers<Contract> = {
    ...project.handlers,
    ...createProbeHandlers(state),
    ...createJobHandlers(state),
    ...createModelHandlers(state),
    ...createExplainHandlers(state),
    ...createAblationHandlers(state),
    ...createConceptHandlers(state),
    ...createBookmarkHandlers(state),
    ...createDescriberHandlers(state),
    ...createDissectHandlers(state),
    // Comparisons read every number through the contract (simulate.means, ablation.results), like reports.
    ...createCompareHandlers(state, () => wrapped),
    ...createClassifierFindingHandlers(state),
    ...createRatingHandlers(state),
    ...createClusterHandlers(state),
    // Reports read every number through the contract itself (the wrapped handlers below).
    ...createReportHandlers(state, () => wrapped),
  };
  const wrapped = withStoreErrors(handlers, state);

  return {
    handlers: wrapped,
    state,
    dispose: () => {
      project.close();
      void closeEncoderSessions();
      void disposeRuntimes();
    },
  };
}
