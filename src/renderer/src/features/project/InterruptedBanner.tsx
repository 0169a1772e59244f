import { useApp } from '../../lib/appContext';

export function InterruptedBanner({ count }: { count: number }) {
  const { openScreen } = useApp();
  return (
    <div className="banner banner-warn" role="status" data-testid="interrupted-banner">
      <span>
        <strong>
          {count} interrupted job{count === 1 ? '' : 's'}
        </strong>{' '}
        stopped when the app or the backend quit. Resume {count === 1 ? 'it' : 'them'} to finish from where {count === 1 ? 'it' : 'they'}{' '}
        stopped.
      </span>
      <button type="button" className="primary" onClick={() => openScreen('jobs')}>
        Open Jobs
      </button>
    </div>
  );
}
