import { useState, type FormEvent } from 'react';
import { EndpointSpec } from '../../../../shared/contract';
import { PathField } from '../../components/PathField';
import { useApp } from '../../lib/appContext';
import { checkInput, defaultText, numberFromText } from '../../lib/forms';
import { jobKey, useJob, useJobStore } from '../jobs';
import type { GenerativeRole } from './route';
import { RunStatus } from './RunStatus';
import { ROLES, type DescriberInfo } from './types';

const EP = EndpointSpec.shape;

/**
 * Add a model of one role to the app-wide library: a folder (captioner, image generator), a GGUF file, or an
 * OpenAI-compatible endpoint (language models). Adding is a job: the backend validates the files (its coded error
 * names the bad file and the fix) and hashes them with progress; Cancel stops the hashing.
 */
export function AddDescriberForm({ role, onAdded }: { role: GenerativeRole; onAdded: (d: DescriberInfo) => void }) {
  const { project } = useApp();
  const store = useJobStore();
  const text = ROLES[role];
  const key = jobKey('describer.add', project?.path, role);
  const job = useJob(key);
  const running = job?.status === 'running';
  const [source, setSource] = useState<'path' | 'endpoint'>('path');
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('http://127.0.0.1:11434/v1');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [allowRemote, setAllowRemote] = useState(false);
  const [timeout, setTimeoutText] = useState(() => defaultText(EP.timeoutSeconds));
  const [retries, setRetries] = useState(() => defaultText(EP.retries));
  const endpoint = source === 'endpoint';
  // Checked with the contract's EndpointSpec: the same bounds and words as the backend and the CLI.
  const ep = checkInput(EndpointSpec, {
    baseUrl,
    model,
    ...(apiKey ? { apiKey } : {}),
    allowRemote,
    timeoutSeconds: numberFromText(timeout),
    retries: numberFromText(retries),
  });
  const ready = endpoint ? ep.ok : path.trim() !== '';

  function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!ready || running) return;
    store.dismiss(key);
    const named = name.trim() ? { name: name.trim() } : {};
    const input = endpoint && ep.ok ? { role, endpoint: ep.value, ...named } : { role, path: path.trim(), ...named };
    void store
      .start(key, `Add ${name.trim() || (endpoint ? model : path.trim())}`, 'describer.add', input, { toast: () => null })
      .then((d) => {
        if (!d) return;
        setPath('');
        setName('');
        setApiKey('');
        store.dismiss(key);
        onAdded(d);
      });
  }

  return (
    <form className="stack describer-add" onSubmit={submit} data-testid="describer-add" data-role={role}>
      {role === 'language_model' && (
        <div className="inline-field wrap" role="radiogroup" aria-label="Where the language model runs">
          <label className="inline-field">
            <input type="radio" checked={!endpoint} onChange={() => setSource('path')} data-testid="describer-source-path" /> A GGUF file,
            run in this process
          </label>
          <label className="inline-field">
            <input type="radio" checked={endpoint} onChange={() => setSource('endpoint')} data-testid="describer-source-endpoint" /> An
            OpenAI-compatible endpoint already running (Ollama, LM Studio, llama.cpp server, vLLM)
          </label>
        </div>
      )}
      {!endpoint && (
        <PathField
          id={`describer-path-${role}`}
          label={text.pathLabel}
          value={path}
          onChange={setPath}
          kind={text.pathKind}
          extensions={text.pathKind === 'file' ? ['.gguf'] : undefined}
          placeholder={text.placeholder}
          testId="describer-path"
          required
        />
      )}
      {endpoint && (
        <div className="describer-endpoint">
          <div className="field">
            <label htmlFor="ep-url">Base URL</label>
            <input id="ep-url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} spellCheck={false} data-testid="ep-url" />
            {baseUrl && ep.errors.baseUrl && <span className="warn-text">The base URL {ep.errors.baseUrl}.</span>}
          </div>
          <div className="field">
            <label htmlFor="ep-model">Model (the name the server knows)</label>
            <input
              id="ep-model"
              value={model}
              onChange={(e) => setModel(e.target.value)}
              placeholder="qwen2.5:7b-instruct"
              spellCheck={false}
              data-testid="ep-model"
            />
          </div>
          <div className="field">
            <label htmlFor="ep-key">API key (optional)</label>
            <input
              id="ep-key"
              type="password"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              autoComplete="off"
              data-testid="ep-key"
            />
            <span className="hint">Sent as a bearer token. It is stored in clear text in the library file in this app’s data folder.</span>
          </div>
          <label className="inline-field">
            <input type="checkbox" checked={allowRemote} onChange={(e) => setAllowRemote(e.target.checked)} data-testid="ep-remote" /> Allow
            a host other than this machine (prompts and captions leave the machine)
          </label>
          <div className="inline-field wrap">
            <label className="inline-field">
              Timeout per request (seconds)
              <input
                className="param-input"
                value={timeout}
                onChange={(e) => setTimeoutText(e.target.value)}
                inputMode="decimal"
                data-testid="ep-timeout"
              />
            </label>
            <label className="inline-field">
              Retries when it fails or answers garbage
              <input
                className="param-input"
                value={retries}
                onChange={(e) => setRetries(e.target.value)}
                inputMode="numeric"
                data-testid="ep-retries"
              />
            </label>
          </div>
          {ep.errors.timeoutSeconds && <p className="warn-text">The timeout {ep.errors.timeoutSeconds}.</p>}
          {ep.errors.retries && <p className="warn-text">Retries {ep.errors.retries}.</p>}
        </div>
      )}
      <div className="field">
        <label htmlFor={`describer-name-${role}`}>Name (optional)</label>
        <input
          id={`describer-name-${role}`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={endpoint ? 'model @ host' : 'the file or folder name'}
          data-testid="describer-name"
        />
      </div>
      <p className="hint">
        {endpoint
          ? 'The endpoint is asked which models it serves before it is added; only loopback addresses are accepted unless allowed above.'
          : `${text.pathHint} The files are checked and hashed; the library is shared by all projects on this machine, and results are cached by the hash.`}
      </p>
      <RunStatus
        runKey={key}
        testId="describer-add"
        cancelledText="Adding was cancelled; nothing was added."
        unit="Counted in bytes hashed."
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={!ready || running} data-testid="describer-add-submit">
          {running ? 'Checking…' : endpoint ? 'Add endpoint' : `Add ${text.addTitle.replace(/^an? /, '')}`}
        </button>
      </div>
    </form>
  );
}
