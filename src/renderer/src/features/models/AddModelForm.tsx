import { useState, type FormEvent } from 'react';
import { PathField } from '../../components/PathField';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useContractMutation } from '../../lib/query';
import type { ModelSummary } from '../../../../shared/contract';

/** Reference a local .onnx file: the backend hashes it, validates it and discovers its layers. */
export function AddModelForm({ onAdded }: { onAdded: (m: ModelSummary) => void }) {
  const { notify } = useApp();
  const addModel = useContractMutation('model.add', { changes: ['models'] });
  const busy = addModel.busy;
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<ShownError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!path.trim() || busy) return;
    setError(null);
    try {
      const m = await addModel.run({ path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      notify({ kind: 'success', title: 'Model added', message: `${m.name}: ${m.layers} layers, ${m.info.inputs.length} input(s).` });
      setPath('');
      setName('');
      onAdded(m);
    } catch (err) {
      setError(toShownError(err));
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="model-add-title" data-testid="model-add-form">
      <h2 id="model-add-title">Add an ONNX model</h2>
      <p className="hint">
        The file stays where it is: the project keeps its path and SHA-256, so a moved or changed file is flagged. Adding checks the model
        and runs one dummy batch to measure every layer&apos;s shape.
      </p>
      <PathField
        id="model-path"
        label="Model file (.onnx)"
        kind="file"
        pickKind="model-file"
        extensions={['.onnx']}
        value={path}
        onChange={setPath}
        placeholder="/path/to/model.onnx"
        testId="model-path"
        required
      />
      <div className="field">
        <label htmlFor="model-name">Name (optional)</label>
        <input
          id="model-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="defaults to the file name"
          data-testid="model-name"
        />
      </div>
      <ErrorBox error={error} testId="model-add-error" />
      <div className="actions">
        <button type="submit" className="primary" disabled={!path.trim() || busy} data-testid="model-add-submit">
          {busy ? 'Checking the model…' : 'Add model'}
        </button>
      </div>
    </form>
  );
}
