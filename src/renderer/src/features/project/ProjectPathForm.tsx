import { useState, type FormEvent } from 'react';
import { useFocusRequest } from '../../lib/useFocusRequest';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useContractMutation } from '../../lib/query';
import { ErrorBox } from '../../components/ErrorBox';
import { PathField } from '../../components/PathField';

// Open or create a project by path. Browser mode cannot show native dialogs, so the path is typed or
// browsed with the server-side picker; errors such as not_a_project / newer_version are shown inline.

const MODES = {
  open: {
    title: 'Open a project',
    label: 'Project file (.nwb)',
    pathKind: 'file',
    pickKind: 'open-project',
    placeholder: '/path/to/project.nwb',
    hint: null,
    done: 'Project opened',
    verb: ['Open', 'Opening…'],
  },
  create: {
    title: 'Create a project',
    label: 'New project file',
    pathKind: 'save',
    pickKind: 'new-project',
    placeholder: '/path/to/new-project.nwb',
    hint: 'One file holds everything: probe sets, jobs and results. “.nwb” is added if missing.',
    done: 'Project created',
    verb: ['Create', 'Creating…'],
  },
} as const;

export function ProjectPathForm({ mode }: { mode: keyof typeof MODES }) {
  const m = MODES[mode];
  const { setProject, notify } = useApp();
  const openProject = useContractMutation('project.open', { changes: 'all' });
  const createProject = useContractMutation('project.create', { changes: 'all' });
  const busy = openProject.busy || createProject.busy;
  const [path, setPath] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  /** Open for browsing only (a read-only file, or one someone else works on): nothing is written. */
  const [readOnly, setReadOnly] = useState(false);
  const inputRef = useFocusRequest<HTMLInputElement>(m.pickKind);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!path.trim()) return;
    setError(null);
    try {
      const p = mode === 'open' ? await openProject.run({ path: path.trim(), readOnly }) : await createProject.run({ path: path.trim() });
      setProject(p);
      setPath('');
      notify({ kind: 'success', title: m.done, message: p.path });
    } catch (err) {
      setError(toShownError(err));
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby={`${mode}-title`} data-testid={`${mode}-project-form`}>
      <h2 id={`${mode}-title`}>{m.title}</h2>
      <PathField
        id={`${mode}-path`}
        label={m.label}
        kind={m.pathKind}
        pickKind={m.pickKind}
        extensions={mode === 'open' ? ['.nwb'] : undefined}
        value={path}
        onChange={setPath}
        placeholder={m.placeholder}
        testId={`${mode}-path`}
        inputRef={inputRef}
        required
      />
      {m.hint && <p className="hint">{m.hint}</p>}
      {mode === 'open' && (
        <label className="checkbox" title="Browse the project without changing it: for a read-only file, or one someone else is working on">
          <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} data-testid="open-read-only" /> Open
          read-only
        </label>
      )}
      <ErrorBox error={error} testId={`${mode}-error`} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !path.trim()} data-testid={`${mode}-submit`}>
          {busy ? m.verb[1] : m.verb[0]}
        </button>
      </div>
    </form>
  );
}
