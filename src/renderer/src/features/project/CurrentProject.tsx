import { useApp } from '../../lib/appContext';
import { formatDate } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import type { ProjectInfo } from '../../lib/types';

export function CurrentProject({ project }: { project: ProjectInfo }) {
  const { setProject, reportError, openScreen } = useApp();
  const closeProject = useContractMutation('project.close', { changes: 'all' });
  async function close() {
    try {
      await closeProject.run({});
      setProject(null);
    } catch (e) {
      reportError(e, 'Cannot close the project');
    }
  }
  return (
    <section className="card" data-testid="current-project" aria-labelledby="current-project-title">
      <div className="card-head">
        <h2 id="current-project-title">{project.name}</h2>
        <div className="actions">
          <button type="button" className="primary" onClick={() => openScreen('probes')}>
            Probe sets
          </button>
          <button type="button" onClick={() => void close()} data-testid="project-close">
            Close project
          </button>
        </div>
      </div>
      <dl className="facts">
        <dt>File</dt>
        <dd className="mono" data-testid="current-project-path">
          {project.path}
        </dd>
        {project.readOnly && (
          <>
            <dt>Mode</dt>
            <dd data-testid="current-project-read-only">
              Read-only: browsing only, nothing can be changed. Close and open it again without “Open read-only” to work on it.
            </dd>
          </>
        )}
        <dt>Probe sets</dt>
        <dd data-testid="current-project-probesets">{project.probeSets}</dd>
        <dt>Interrupted jobs</dt>
        <dd>{project.interruptedJobs}</dd>
        <dt>Created</dt>
        <dd>
          {formatDate(project.createdAt)} with version {project.createdWith}
        </dd>
        <dt>Schema</dt>
        <dd>{project.schemaVersion}</dd>
      </dl>
    </section>
  );
}
