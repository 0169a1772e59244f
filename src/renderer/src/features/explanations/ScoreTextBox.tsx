import { useState, type FormEvent } from 'react';
import { EncoderSelect } from '../concepts';
import type { SimulatorRef } from '../concepts';
import { useEncoders } from '../concepts';
import { useContractMutation } from '../../lib/query';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatCorr } from './format';

interface Scored {
  concept: string;
  simulatorName: string;
  valCorrelation: number;
  testCorrelation: number;
  /** Words the encoder's tokenizer does not know, and what that means for the score (null: nothing to say). */
  unknownWords: string[];
  warning: string | null;
}

const HISTORY = 8;

/**
 * Type an explanation and see how well it alone explains the neuron: under the label simulator (a label
 * concept) or an image-text simulator (any text). The last few texts and their scores stay listed.
 */
export function ScoreTextBox({ runId, neuron, concepts }: { runId: number; neuron: number; concepts: string[] }) {
  const scoreText = useContractMutation('explain.scoreText', { changes: 'nothing' });
  const encoders = useEncoders();
  const [simulator, setSimulator] = useState<SimulatorRef>('label');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Scored | null>(null);
  const [history, setHistory] = useState<Scored[]>([]);
  const [error, setError] = useState<ShownError | null>(null);
  const list = encoders.data ?? [];
  const byEncoder = simulator !== 'label';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await scoreText.run({ runId, neuron, text: t, simulator });
      const scored = {
        ...r,
        simulatorName: simulator === 'label' ? 'labels' : (list.find((x) => x.id === simulator)?.name ?? r.simulator),
      };
      setResult(scored);
      setHistory((h) =>
        [scored, ...h.filter((x) => !(x.concept === scored.concept && x.simulatorName === scored.simulatorName))].slice(0, HISTORY),
      );
    } catch (err) {
      setError(toShownError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="score-text" onSubmit={submit} data-testid="score-text">
      <label htmlFor="score-text-input">Try your own explanation</label>
      {list.length > 0 && (
        <EncoderSelect
          encoders={list}
          value={simulator}
          onChange={(v) => setSimulator(v ?? 'label')}
          allowLabel
          label="Simulator"
          testId="score-text-simulator"
        />
      )}
      <div className="inline-field">
        <input
          id="score-text-input"
          list={byEncoder ? undefined : 'score-text-concepts'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={byEncoder ? 'any text, e.g. open toe sandal' : 'a label concept, e.g. footwear'}
          data-testid="score-text-input"
        />
        <datalist id="score-text-concepts">
          {concepts.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <button type="submit" disabled={busy || !text.trim()} data-testid="score-text-submit">
          {busy ? 'Scoring…' : 'Score'}
        </button>
      </div>
      {result && (
        <p data-testid="score-text-result" data-value={result.testCorrelation} data-simulator={result.simulatorName}>
          “{result.concept}” alone: test r = <strong>{formatCorr(result.testCorrelation)}</strong>{' '}
          <span className="hint">
            (val r = {formatCorr(result.valCorrelation)}; simulator: {result.simulatorName})
          </span>
        </p>
      )}
      {result?.warning && (
        <p className="warn-text" role="status" data-testid="score-text-unknown" data-words={result.unknownWords.join(' ')}>
          {result.warning}
        </p>
      )}
      {error && (
        <p className="warn-text" role="alert" data-testid="score-text-error">
          {!byEncoder && error.code === 'bad_input' && /not a label/i.test(error.message) ? (
            <>
              <strong>Not a label concept.</strong> The label simulator scores only labels of the probe set (classes, superclasses, CSV
              labels); choose an image-text simulator to score any text. <span className="hint">{error.message}</span>
            </>
          ) : (
            error.message
          )}
        </p>
      )}
      {history.length > 1 && (
        <table className="table score-history" data-testid="score-text-history">
          <thead>
            <tr>
              <th>Text</th>
              <th>Simulator</th>
              <th className="num">Val r</th>
              <th className="num">Test r</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={`${h.simulatorName}:${h.concept}`}>
                <td>
                  <button type="button" className="link" onClick={() => setText(h.concept)}>
                    {h.concept}
                  </button>
                </td>
                <td>{h.simulatorName}</td>
                <td className="num mono">{formatCorr(h.valCorrelation)}</td>
                <td className="num mono">{formatCorr(h.testCorrelation)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  );
}
