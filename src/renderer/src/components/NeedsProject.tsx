import { useApp } from '../lib/appContext';

export function NeedsProject({ screen }: { screen: string }) {
  const { openScreen } = useApp();
  return (
    <div className="empty" data-testid="needs-project">
      <h2>{screen}</h2>
      <p>No project is open. {screen} belong to a project.</p>
      <button type="button" className="primary" onClick={() => openScreen('project')}>
        Create or open a project
      </button>
    </div>
  );
}
