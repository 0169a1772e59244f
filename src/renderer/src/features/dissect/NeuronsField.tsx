// Which neurons of the layer a run describes: all, a range (first..last, both included) or a list ("3, 17, 42").

export type NeuronsMode = 'all' | 'range' | 'list';

export interface NeuronsDraft {
  mode: NeuronsMode;
  from: string;
  to: string;
  list: string;
}

export const ALL_NEURONS: NeuronsDraft = { mode: 'all', from: '0', to: '9', list: '' };

/** The neurons to send (undefined: all of the layer), or why the text is refused. */
export function neuronsOf(d: NeuronsDraft, nNeurons: number): { neurons: number[] | undefined; error: string | null } {
  const bad = (k: number) => !Number.isInteger(k) || k < 0 || k >= nNeurons;
  if (d.mode === 'all') return { neurons: undefined, error: null };
  if (d.mode === 'range') {
    const a = Number(d.from);
    const b = Number(d.to);
    if (d.from.trim() === '' || d.to.trim() === '' || bad(a) || bad(b))
      return { neurons: undefined, error: `The range is two neuron numbers between 0 and ${nNeurons - 1}.` };
    if (b < a) return { neurons: undefined, error: 'The range ends before it starts.' };
    return { neurons: Array.from({ length: b - a + 1 }, (_, i) => a + i), error: null };
  }
  const parts = d.list.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { neurons: undefined, error: 'List at least one neuron (e.g. 3, 17, 42).' };
  const ks = parts.map(Number);
  const wrong = parts.find((_, i) => bad(ks[i]));
  if (wrong !== undefined) return { neurons: undefined, error: `"${wrong}" is not a neuron of this layer (0 to ${nNeurons - 1}).` };
  return { neurons: [...new Set(ks)].sort((x, y) => x - y), error: null };
}

export function NeuronsField({
  draft,
  onDraft,
  nNeurons,
  testId,
}: {
  draft: NeuronsDraft;
  onDraft: (d: NeuronsDraft) => void;
  nNeurons: number;
  testId: string;
}) {
  const { neurons, error } = neuronsOf(draft, nNeurons);
  const set = (patch: Partial<NeuronsDraft>) => onDraft({ ...draft, ...patch });
  const radio = (mode: NeuronsMode, text: string) => (
    <label className="inline-field">
      <input type="radio" checked={draft.mode === mode} onChange={() => set({ mode })} data-testid={`${testId}-${mode}`} /> {text}
    </label>
  );
  return (
    <fieldset className="neurons-field" data-testid={testId}>
      <legend>Neurons</legend>
      <div className="inline-field wrap">
        {radio('all', `all ${nNeurons.toLocaleString('en-US')}`)}
        {radio('range', 'a range')}
        {draft.mode === 'range' && (
          <>
            <input
              className="param-input"
              value={draft.from}
              onChange={(e) => set({ from: e.target.value })}
              aria-label="First neuron"
              data-testid={`${testId}-from`}
            />
            to
            <input
              className="param-input"
              value={draft.to}
              onChange={(e) => set({ to: e.target.value })}
              aria-label="Last neuron (included)"
              data-testid={`${testId}-to`}
            />
          </>
        )}
        {radio('list', 'a list')}
        {draft.mode === 'list' && (
          <input
            value={draft.list}
            onChange={(e) => set({ list: e.target.value })}
            placeholder="3, 17, 42"
            aria-label="Neurons, separated by commas"
            data-testid={`${testId}-text`}
          />
        )}
      </div>
      {error ? (
        <p className="warn-text">{error}</p>
      ) : (
        <p className="hint" data-testid={`${testId}-count`} data-count={neurons?.length ?? nNeurons}>
          {neurons ? `${neurons.length} neuron${neurons.length === 1 ? '' : 's'}: ${summary(neurons)}` : 'Every neuron of the layer.'}
        </p>
      )}
    </fieldset>
  );
}

/** 0, 1, 2, 5 -> "0–2, 5" (at most a few runs written out). */
function summary(ks: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < ks.length;) {
    let j = i;
    while (j + 1 < ks.length && ks[j + 1] === ks[j] + 1) j++;
    runs.push(j > i ? `${ks[i]}–${ks[j]}` : String(ks[i]));
    i = j + 1;
  }
  return runs.length > 8 ? `${runs.slice(0, 8).join(', ')}, …` : runs.join(', ');
}
