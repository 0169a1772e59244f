import type { ReactNode } from 'react';
import { useApp } from '../lib/appContext';
import type { ThemePref } from '../lib/theme';

/** Top bar: app and project name, a compact view of running jobs (`jobs`, from the app shell), theme override, shortcut sheet. */
export function Header({
  theme,
  onTheme,
  onShortcuts,
  jobs,
}: {
  theme: ThemePref;
  onTheme: (t: ThemePref) => void;
  onShortcuts: () => void;
  jobs?: ReactNode;
}) {
  const { info, project, openScreen } = useApp();
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{info.name}</span>
        <span className="brand-version" title={`schema ${info.schemaVersion}, ${info.platform}`}>
          v{info.version} · {info.mode}
        </span>
      </div>
      <button
        type="button"
        className="header-project link"
        data-testid="header-project"
        title={project?.path ?? 'No project open'}
        onClick={() => openScreen('project')}
      >
        {project ? project.name : 'No project open'}
        {project?.readOnly && (
          <span className="badge" data-testid="header-read-only">
            {' '}
            read-only
          </span>
        )}
      </button>
      <div className="header-jobs" aria-live="polite">
        {jobs}
      </div>
      <label className="theme-select">
        <span className="sr-only">Theme</span>
        <select value={theme} onChange={(e) => onTheme(e.target.value as ThemePref)} data-testid="theme-select" title="Colour theme">
          <option value="system">Theme: system</option>
          <option value="light">Theme: light</option>
          <option value="dark">Theme: dark</option>
        </select>
      </label>
      <button type="button" className="icon-button" onClick={onShortcuts} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
        ?
      </button>
    </header>
  );
}
