import { useState, type FormEvent } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractMutation } from '../../lib/query';
import { toShownError, type ShownError } from '../../lib/errors';
import type { Out } from '../../lib/types';

type Tokenized = Out<'encoder.tokenize'>[number];

/** Type a text and see the token ids and tokens the encoder sees; unknown tokens are highlighted. */
export function TokenizeProbe({ encoderId }: { encoderId: number }) {
  const tokenize = useContractMutation('encoder.tokenize', { changes: 'nothing' });
  const [text, setText] = useState('');
  const [result, setResult] = useState<Tokenized | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    if (!text.trim()) return;
    setError(null);
    try {
      const [r] = await tokenize.run({ encoderId, texts: [text] });
      setResult(r ?? null);
    } catch (err) {
      setResult(null);
      setError(toShownError(err));
    }
  }

  return (
    <form className="stack tokenize" onSubmit={submit} data-testid="tokenize">
      <div className="inline-field wrap">
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="a concept, e.g. open toe sandal"
          aria-label="Text to tokenize"
          data-testid="tokenize-input"
        />
        <button type="submit" disabled={!text.trim()} data-testid="tokenize-submit">
          Tokenize
        </button>
      </div>
      <ErrorBox error={error} />
      {result && (
        <div data-testid="tokenize-result" data-unknown={result.unknown}>
          <p className={result.unknown > 0 ? 'warn-text' : 'hint'}>
            {result.ids.length} tokens, {result.unknown} unknown
            {result.unknown > 0 ? ' — unknown words carry no meaning for the encoder' : ''}
          </p>
          <ul className="chip-list token-list">
            {result.tokens.map((t, i) => (
              <li key={`${i}:${t}`} className={`chip token${/unk/i.test(t) ? ' token-unknown' : ''}`} title={`id ${result.ids[i]}`}>
                <span className="mono">{t}</span> <span className="hint">{result.ids[i]}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}
