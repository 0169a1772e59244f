import { useState } from 'react';
import { useApp } from '../../lib/appContext';
import { formatDate } from '../../lib/format';
import { useContractMutation, useContractQuery } from '../../lib/query';
import { ErrorBox } from '../../components/ErrorBox';

/** project.recent, newest first; entries whose file is gone are greyed out and cannot be opened. */
export function RecentProjects() {
  const { project, setProject, reportError } = useApp();
  // Re-read with every project switch: the app shell gives each open project a fresh query cache.
  const { data: recent, error } = useContractQuery('project.recent', {});
  const openProject = useContractMutation('project.open', { changes: 'all' });
  const [opening, setOpening] = useState<string | null>(null);

  async function open(path: string) {
    setOpening(path);
    try {
      setProject(await openProject.run({ path }));
    } catch (e) {
      reportError(e);
    } finally {
      setOpening(null);
    }
  }

  return (
    <section className="card" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent projects</h2>
      <ErrorBox error={error} />
      {recent && recent.length === 0 && <p className="hint">No recent projects yet.</p>}
      {recent && recent.length > 0 && (
        <ul className="recent" data-testid="recent-list">
          {recent.map((r) => {
            const isOpen = project?.path === r.path;
            return (
              <li key={r.path}>
                <button
                  type="button"
                  className={`recent-item${r.exists ? '' : ' missing'}${isOpen ? ' current' : ''}`}
                  disabled={!r.exists || isOpen || opening !== null}
                  onClick={() => void open(r.path)}
                  data-testid="recent-item"
                  data-exists={r.exists}
                  title={r.exists ? `Open ${r.path}` : `${r.path} no longer exists`}
                >
                  <span className="recent-name">{r.name}</span>
                  <span className="recent-path mono">{r.path}</span>
                  <span className="recent-meta">
                    {!r.exists ? 'file missing' : isOpen ? 'open' : opening === r.path ? 'opening…' : formatDate(r.openedAt)}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
