import { useState, type FormEvent } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { PathField } from '../../components/PathField';
import { useContractMutation } from '../../lib/query';
import { toShownError, type ShownError } from '../../lib/errors';
import type { EncoderInfo } from './types';

/** Add a local SigLIP/CLIP ONNX export folder; the backend validates it and says what is wrong verbatim. */
export function AddEncoderForm({ onAdded }: { onAdded: (e: EncoderInfo) => void }) {
  const addEncoder = useContractMutation('encoder.add', { changes: ['concepts'] });
  const busy = addEncoder.busy;
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<ShownError | null>(null);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!path.trim()) return;
    setError(null);
    try {
      const e = await addEncoder.run({ path: path.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
      setPath('');
      setName('');
      onAdded(e);
    } catch (err) {
      setError(toShownError(err));
    }
  }

  return (
    <form className="stack" onSubmit={submit} data-testid="encoder-add">
      <PathField
        id="encoder-path"
        label="Encoder folder"
        value={path}
        onChange={setPath}
        kind="folder"
        placeholder="/models/siglip-base-onnx"
        testId="encoder-path"
        required
      />
      <div className="field">
        <label htmlFor="encoder-name">Name (optional)</label>
        <input
          id="encoder-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="the folder name"
          data-testid="encoder-name"
        />
      </div>
      <p className="hint">
        An ONNX export: vision + text models (or one model.onnx with both), tokenizer.json and preprocessor_config.json. Files are hashed;
        calibrations saved for the same files in other projects come along.
      </p>
      <ErrorBox error={error} testId="encoder-add-error" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !path.trim()} data-testid="encoder-add-submit">
          {busy ? 'Checking…' : 'Add encoder folder'}
        </button>
      </div>
    </form>
  );
}
