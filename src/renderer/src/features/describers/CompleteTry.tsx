import { useState } from 'react';
import { Sampling } from '../../../../shared/contract';
import { useApp } from '../../lib/appContext';
import { checkInput, defaultText, numberFromText } from '../../lib/forms';
import { jobKey, useJob, useJobStore } from '../jobs';
import { NumberField } from './CaptionTry';
import { RunStatus } from './RunStatus';
import type { DescriberInfo } from './types';
import { FreshToggle } from './FreshToggle';

const S = Sampling.shape;

// Describe-and-Dissect step 2 (docs: ../shared/docs/methods.md): the captions of a neuron's top images go to the
// language model, which answers ONE concise concept label of 1-5 words covering most (not necessarily all) of them.
// The preset is that request in the form the workbench will send it: the instruction in the system message, the
// captions in the prompt, the answer constrained to {"concept": string}.
// The system message is the short instruction the fixture model was trained with; the 1-5 words rule is in the
// schema's maxLength and the model's training (a real instruct model follows it from the same words).
const DND_SYSTEM = 'You name one concept that covers most captions.';
const DND_CAPTIONS = [
  'a white sneaker with laces',
  'a black sneaker with a thick sole',
  'a grey trainer with a logo',
  'a running shoe with laces',
  'a white sneaker with a low top',
  'a dark sneaker with laces',
  'a blue trainer with a thick sole',
  'a red sandal with thin straps',
];
const DND_PROMPT = `captions: ${DND_CAPTIONS.join('; ')}\njson:`;
const DND_SCHEMA = {
  type: 'object',
  properties: { concept: { type: 'string', maxLength: 60 } },
  required: ['concept'],
};

/** The schema text parsed: an object, nothing (empty), or why it is not one. */
function parseSchema(text: string): { value?: Record<string, unknown>; error: string | null } {
  if (!text.trim()) return { error: null };
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v))
      return { error: 'The schema must be a JSON object, e.g. {"type": "object", ...}.' };
    return { value: v as Record<string, unknown>, error: null };
  } catch (e) {
    return { error: `The schema is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Send a prompt to the selected language model: system, prompt, optional JSON schema, sampling; the checked answer. */
export function CompleteTry({ model }: { model: DescriberInfo }) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('lm.complete', project?.path, model.id);
  const job = useJob(key);
  const [system, setSystem] = useState('');
  const [prompt, setPrompt] = useState('');
  const [schemaText, setSchemaText] = useState('');
  const [chat, setChat] = useState(true);
  const [maxTokens, setMaxTokens] = useState(() => defaultText(S.maxTokens));
  const [temperature, setTemperature] = useState(() => defaultText(S.temperature));
  const [topK, setTopK] = useState(() => defaultText(S.topK));
  const [topP, setTopP] = useState(() => defaultText(S.topP));
  const [seed, setSeed] = useState(() => defaultText(S.seed));
  const [fresh, setFresh] = useState(false);

  const sampling = checkInput(Sampling, {
    maxTokens: numberFromText(maxTokens),
    temperature: numberFromText(temperature),
    topK: numberFromText(topK),
    topP: numberFromText(topP),
    seed: numberFromText(seed),
  });
  const schema = parseSchema(schemaText);
  const running = job?.status === 'running';
  const ready = prompt.trim() !== '' && sampling.ok && schema.error === null && !running;
  const out = job?.status === 'done' ? job.output : null;

  function preset() {
    setSystem(DND_SYSTEM);
    setPrompt(DND_PROMPT);
    setSchemaText(JSON.stringify(DND_SCHEMA, null, 2));
    setChat(true);
  }

  function run() {
    if (!ready || !sampling.ok) return;
    store.dismiss(key);
    void store.start(
      key,
      `Ask ${model.name}`,
      'lm.complete',
      {
        describerId: model.id,
        prompt,
        ...(system.trim() ? { system } : {}),
        ...(schema.value ? { schema: schema.value } : {}),
        chat,
        ...sampling.value,
        fresh,
      },
      { toast: () => null },
    );
  }

  return (
    <div className="stack try complete-try" data-testid="complete-try">
      <div className="actions actions-start">
        <button
          type="button"
          onClick={preset}
          data-testid="lm-preset-dnd"
          title="Describe-and-Dissect step 2: captions of a neuron's top images -> one concept"
        >
          DnD concept prompt
        </button>
        <span className="hint">fills a Describe-and-Dissect request: captions of a neuron’s top images → one short concept, as JSON</span>
      </div>
      <div className="field">
        <label htmlFor="lm-system">System message (optional; used with the chat template)</label>
        <textarea id="lm-system" rows={2} value={system} onChange={(e) => setSystem(e.target.value)} data-testid="lm-system" />
      </div>
      <div className="field">
        <label htmlFor="lm-prompt">Prompt</label>
        <textarea id="lm-prompt" rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="lm-prompt" />
      </div>
      <div className="field">
        <label htmlFor="lm-schema">JSON schema of the answer (optional; the answer is constrained to it and checked against it)</label>
        <textarea
          id="lm-schema"
          className="mono"
          rows={4}
          value={schemaText}
          onChange={(e) => setSchemaText(e.target.value)}
          spellCheck={false}
          placeholder='{"type": "object", "properties": {"concept": {"type": "string"}}, "required": ["concept"]}'
          data-testid="lm-schema"
        />
        {schema.error && (
          <span className="warn-text" data-testid="lm-schema-error">
            {schema.error}
          </span>
        )}
      </div>
      <div className="try-params">
        <NumberField label="Max new tokens" value={maxTokens} onChange={setMaxTokens} error={sampling.errors.maxTokens} testId="lm-max" />
        <NumberField
          label="Temperature (0 = greedy)"
          value={temperature}
          onChange={setTemperature}
          error={sampling.errors.temperature}
          testId="lm-temperature"
        />
        <NumberField label="Top-k (0 = off)" value={topK} onChange={setTopK} error={sampling.errors.topK} testId="lm-topk" />
        <NumberField label="Top-p" value={topP} onChange={setTopP} error={sampling.errors.topP} testId="lm-topp" />
        <NumberField label="Seed" value={seed} onChange={setSeed} error={sampling.errors.seed} testId="lm-seed" />
      </div>
      <div className="try-checks">
        <label className="inline-field">
          <input type="checkbox" checked={chat} onChange={(e) => setChat(e.target.checked)} data-testid="lm-chat" /> Chat (the model’s chat
          template; off: the raw prompt)
        </label>
        <FreshToggle checked={fresh} onChange={setFresh} label="Ask again even if cached" testId="lm-fresh" />
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!ready} onClick={run} data-testid="lm-run">
          Ask
        </button>
      </div>
      <RunStatus runKey={key} testId="lm" cancelledText="Cancelled: no answer was kept." />
      {out && (
        <div className="try-result" data-testid="lm-result" data-cached={out.cached}>
          <h4>Answer</h4>
          <pre className="lm-text" data-testid="lm-text">
            {out.text}
          </pre>
          {out.json !== undefined && (
            <>
              <h4>Parsed JSON (it passed the schema)</h4>
              <pre className="lm-json mono" data-testid="lm-json">
                {JSON.stringify(out.json, null, 2)}
              </pre>
            </>
          )}
          <dl className="facts">
            <dt>Tokens</dt>
            <dd data-testid="lm-tokens">
              {out.promptTokens} in the prompt, {out.completionTokens} in the answer
            </dd>
            <dt>Attempts</dt>
            <dd data-testid="lm-attempts">
              {out.attempts}{' '}
              {out.attempts === 1
                ? '(the first answer was valid)'
                : '(earlier answers failed the schema and were retried with the next seed)'}
            </dd>
            <dt>Made</dt>
            <dd data-testid="lm-made">
              {out.cached
                ? 'cached: answered earlier by the same model files with the same prompt, schema, seed and sampling'
                : `now, in ${out.seconds.toFixed(2)} s (this answer, all attempts)`}
            </dd>
          </dl>
        </div>
      )}
    </div>
  );
}
