import { useEffect, useState, type FormEvent } from 'react';
import { isElectron } from '../../api';
import { useApp } from '../../lib/appContext';
import { jobKey, useJob, useJobStore } from '../jobs';
import { useFocusRequest } from '../../lib/useFocusRequest';
import { ImportProgress } from './ImportProgress';
import { ImportSummary } from './ImportSummary';
import { PathField } from '../../components/PathField';
import { DropUpload } from './DropUpload';
import { uploadTarget } from './uploadStore';

/** Add a probe set: folder (drop / type / browse), optional name and labels CSV, then the import job. */
export function ImportPanel({ onShow }: { onShow: (probeSetId: number) => void }) {
  const { project, droppedRoot, consumeDroppedRoot } = useApp();
  const store = useJobStore();
  const key = jobKey('probe.import', project?.path);
  const run = useJob(key);
  const running = run?.status === 'running';
  const [root, setRoot] = useState('');
  const [name, setName] = useState('');
  const [labelsCsv, setLabelsCsv] = useState('');
  const rootRef = useFocusRequest<HTMLInputElement>('import-root');

  useEffect(() => {
    if (droppedRoot) {
      setRoot(droppedRoot);
      consumeDroppedRoot();
    }
  }, [droppedRoot, consumeDroppedRoot]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!root.trim() || running) return;
    store.dismiss(key);
    const title = `Import ${name.trim() || root.trim().split(/[\\/]/).filter(Boolean).pop() || root.trim()}`;
    void store.start(key, title, 'probe.import', {
      root: root.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(labelsCsv.trim() ? { labelsCsv: labelsCsv.trim() } : {}),
    });
  }

  return (
    <div className="stack">
      <DropUpload />
      <form className="card" onSubmit={submit} aria-labelledby="import-title" data-testid="import-form">
        <h2 id="import-title">Add a probe set</h2>
        <p className="hint">
          Leaf folders become classes and their parent folders superclasses (e.g. <code>footwear/Sandal/*.png</code>). Re-importing a folder
          updates it.{' '}
          {isElectron()
            ? 'You can also drop a folder anywhere on the window.'
            : `You can also drop a folder anywhere on the window: its images are uploaded to ${project ? uploadTarget(project.path, '<folder>') : '<project>.uploads/<folder>'} and imported from there (a typed path imports in place, without a copy).`}
        </p>
        <PathField
          id="import-root"
          label="Image folder"
          kind="folder"
          pickKind="probe-folder"
          value={root}
          onChange={setRoot}
          placeholder="/path/to/images"
          testId="import-root"
          inputRef={rootRef}
          required
        />
        <div className="field">
          <label htmlFor="import-name">Name (optional)</label>
          <input
            id="import-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="defaults to the folder name"
            data-testid="import-name"
          />
        </div>
        <PathField
          id="import-labels"
          label="Labels CSV (optional)"
          kind="file"
          pickKind="labels-csv"
          extensions={['.csv']}
          value={labelsCsv}
          onChange={setLabelsCsv}
          placeholder="/path/to/labels.csv"
          testId="import-labels"
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={!root.trim() || running} data-testid="import-start">
            {running ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
      {run && (
        <section className="card" aria-label="Import progress" data-testid="import-status" data-status={run.status}>
          <h2>{run.title}</h2>
          {run.status === 'running' && <ImportProgress run={run} onCancel={() => store.cancel(key)} />}
          {run.status === 'done' && <ImportSummary output={run.output} onShow={onShow} />}
          {(run.status === 'cancelled' || run.status === 'interrupted') && <ImportStopped interrupted={run.status === 'interrupted'} />}
          {run.status === 'failed' && run.error && (
            <div className="error-box" role="alert" data-testid="import-error" data-code={run.error.code}>
              <strong>{run.error.title}</strong>
              <p>{run.error.message}</p>
              <p className="hint">{run.error.hint}</p>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

function ImportStopped({ interrupted }: { interrupted: boolean }) {
  const { openScreen } = useApp();
  return (
    <div className="banner banner-warn" data-testid={interrupted ? 'import-interrupted' : 'import-cancelled'}>
      <span>
        {interrupted ? 'Import interrupted: the connection to the backend closed.' : 'Import cancelled.'} What was imported so far is kept;
        resume to finish it.
      </span>
      <button type="button" onClick={() => openScreen('jobs')}>
        Open Jobs
      </button>
    </div>
  );
}
