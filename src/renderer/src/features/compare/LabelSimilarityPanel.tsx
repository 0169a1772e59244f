import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, ErrorBar, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ActivationSetInfo, ExplainRunInfo, LabelSimilarity } from '../../../../shared/contract';
import { methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { Figure } from '../../components/Figure';
import { seriesColor } from '../../lib/colors';
import { formatCount } from '../../lib/format';
import type { In, Out } from '../../lib/contract';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { meanSE } from './rows';
import { methodInput, RunChecklist, runName, useRunChoice } from './RunChecklist';

/** 'T-shirt_top, Trouser' or one per line -> names; empty -> the probe set's class folders (the backend's default). */
const parseNames = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Final-layer label similarity (the DnD paper's evaluation): for a layer whose neurons are the model's classes
 * (neuron k = class k), how close each run's label of neuron k is to class k's name, under an encoder's text tower
 * and under a sentence-embedding model (a text embedder of the Generative models screen).
 */
export function LabelSimilarityPanel({ set, layer }: { set: ActivationSetInfo; layer: string }) {
  const runs = useContractQuery('explain.runs', { activationSetId: set.id });
  const encoders = useContractQuery('encoder.list', {});
  const embedders = useContractQuery('describer.list', { role: 'text_embedder' });
  // The model's class order as ablation uses it (metadata, a classes file, models.json or inferred from predictions).
  const mapping = useContractQuery('ablation.mapping', { activationSetId: set.id });
  const mapped = modelOrder(mapping.data, set.nNeurons);
  const done = (runs.data ?? []).filter((r) => r.status === 'done');
  const usable = (embedders.data ?? []).filter((d) => d.status === 'ok');
  const choice = useRunChoice();
  // '' = none; undefined = the first one.
  const [encoderId, setEncoderId] = useState<number | '' | undefined>(undefined);
  const [embedderId, setEmbedderId] = useState<number | '' | undefined>(undefined);
  const [names, setNames] = useState('');
  const [input, setInput] = useState<In<'compare.labelSimilarity'> | null>(null);
  const encoder = encoderId === undefined ? (encoders.data?.[0]?.id ?? '') : encoderId;
  const embedder = embedderId === undefined ? (usable[0]?.id ?? '') : embedderId;
  const q = useContractQuery('compare.labelSimilarity', input, { keepPrevious: false });
  const chosen = done.filter((r) => choice.picked.includes(r.id));
  const classNames = parseNames(names);

  return (
    <section className="card stack" data-testid="label-similarity">
      <h2>Label similarity (final layer)</h2>
      <p className="hint">
        The Describe-and-Dissect evaluation for a layer whose neurons are the model&apos;s classes (neuron k = class k, e.g. the logits):
        the cosine between each run&apos;s label of neuron k and the name of class k, under the encoder&apos;s text tower and under a
        sentence-embedding model. The paper (ResNet-50, ImageNet) reports CLIP / mpnet cosines of DnD 0.760 / 0.459, MILAN 0.708 / 0.279 and
        CLIP-Dissect 0.790 / 0.526.
      </p>
      <ErrorBox error={runs.error ?? encoders.error ?? embedders.error} />
      {runs.data && done.length === 0 && <p className="hint">No finished run of this layer to evaluate.</p>}
      {done.length > 0 && <RunChecklist runs={done} layer={layer} choice={choice} testId="ls" />}
      <label className="inline-field">
        Encoder (text tower){' '}
        <select
          value={encoder}
          onChange={(e) => setEncoderId(e.target.value === '' ? '' : Number(e.target.value))}
          data-testid="ls-encoder"
        >
          <option value="">none</option>
          {(encoders.data ?? []).map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
            </option>
          ))}
        </select>
      </label>
      <label className="inline-field">
        Sentence model (text embedder){' '}
        <select
          value={embedder}
          onChange={(e) => setEmbedderId(e.target.value === '' ? '' : Number(e.target.value))}
          data-testid="ls-embedder"
        >
          <option value="">none</option>
          {usable.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      {embedders.data && usable.length === 0 && (
        <p className="hint">
          No text embedder: add a sentence-embedding model (e.g. an all-mpnet-base-v2 export) on the{' '}
          <a href={router.href({ screen: 'generative', role: 'text_embedder' })}>Generative models screen</a>.
        </p>
      )}
      <label className="stack">
        Class names, one per neuron in the model&apos;s class order (comma or line separated; empty: the probe set&apos;s class folders
        sorted by name, as torchvision&apos;s ImageFolder numbers them)
        <textarea
          rows={2}
          value={names}
          onChange={(e) => setNames(e.target.value)}
          placeholder="T-shirt_top, Trouser, Pullover, …"
          data-testid="ls-classes"
        />
      </label>
      {mapped && (
        <div>
          <button type="button" onClick={() => setNames(mapped.join(', '))} data-testid="ls-classes-from-model">
            Use the model&apos;s class order
          </button>{' '}
          <span className="hint">from {mapping.data!.sourceDetail}</span>
        </div>
      )}
      {classNames.length > 0 && classNames.length !== set.nNeurons && (
        <p className="hint">
          {classNames.length} names for {set.nNeurons} neurons: give one per neuron.
        </p>
      )}
      <div>
        <button
          type="button"
          disabled={chosen.length === 0 || (encoder === '' && embedder === '') || q.loading}
          onClick={() =>
            setInput({
              activationSetId: set.id,
              runIds: chosen.map((r) => r.id),
              method: methodInput(choice, chosen),
              ...(encoder !== '' ? { encoderId: encoder } : {}),
              ...(embedder !== '' ? { textEmbedderId: embedder } : {}),
              ...(classNames.length ? { classNames } : {}),
            })
          }
          data-testid="ls-submit"
        >
          {q.loading ? 'Running…' : 'Run'}
        </button>
      </div>
      <ErrorBox error={q.error} testId="ls-error" />
      {q.data && input && <LabelSimilarityResult result={q.data} runs={done} layer={layer} />}
    </section>
  );
}

/** Class k's name for every k < K from a class mapping, or null when it does not name them all. */
function modelOrder(m: Out<'ablation.mapping'> | null | undefined, K: number): string[] | null {
  if (!m) return null;
  const names = Array.from({ length: K }, (_, k) =>
    m.modelClasses?.length === K ? m.modelClasses[k] : m.rows.find((r) => r.modelClass === k)?.label,
  );
  return names.every(Boolean) ? (names as string[]) : null;
}

function LabelSimilarityResult({ result, runs, layer }: { result: LabelSimilarity; runs: ExplainRunInfo[]; layer: string }) {
  const name = (id: number) => {
    const r = runs.find((x) => x.id === id);
    return r ? runName(r) : `#${id}`;
  };
  const enc = result.encoder ? `encoder ${result.encoder.name} (text tower)` : null;
  const sen = result.textEmbedder ? `sentence model ${result.textEmbedder.name}` : null;
  const data = result.runs.map((r) => ({
    run: `${name(r.runId)} · ${methodLabel(r.method)}`,
    enc: r.encoder?.mean ?? null,
    encSE: r.encoder?.standardError ?? 0,
    sen: r.sentence?.mean ?? null,
    senSE: r.sentence?.standardError ?? 0,
  }));
  const from =
    result.classNamesFrom === 'probe_set' ? "class names: the probe set's class folders, sorted by name" : 'class names as given';
  return (
    <div className="stack" data-testid="ls-result">
      <h3>Mean cosine of label and class name per run</h3>
      <table className="table" data-testid="ls-run-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Labels read</th>
            <th title="Neurons of the layer with a label of that method">n</th>
            {enc && <th title={`Mean cosine ± SE under the ${enc}`}>{result.encoder!.name} (encoder) ± SE</th>}
            {sen && <th title={`Mean cosine ± SE under the ${sen}`}>{result.textEmbedder!.name} (sentence) ± SE</th>}
          </tr>
        </thead>
        <tbody>
          {result.runs.map((r) => (
            <tr key={`${r.runId}-${r.method}`} data-testid="ls-run-row" data-run={r.runId}>
              <td>{name(r.runId)}</td>
              <td>{methodLabel(r.method)}</td>
              <td className="num">{formatCount(r.n)}</td>
              {enc && <td className="num">{meanSE(r.encoder ?? undefined)}</td>}
              {sen && (
                <td className="num" data-testid="ls-sentence">
                  {meanSE(r.sentence ?? undefined)}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Layer {layer} · {from} · cosines over the labelled neurons; ± SE = sample SD / √n.
      </p>
      <div className="chart-box" data-testid="ls-chart">
        <Figure
          label="Mean cosine of each run's labels with the class names, with standard errors"
          name={`label-similarity-set${result.activationSetId}`}
          caption={{
            title: 'Final-layer label similarity: mean cosine ± 1 standard error',
            lines: [`Layer ${layer} · ${from}`, [enc, sen].filter(Boolean).join(' · ')],
          }}
          heading={<h4>Mean cosine ± SE per run</h4>}
        >
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={data} margin={{ top: 8, right: 16, bottom: 60, left: 4 }}>
              <CartesianGrid />
              <XAxis dataKey="run" interval={0} angle={-20} textAnchor="end" height={60} tick={{ fontSize: 11 }} />
              <YAxis width={48} domain={[0, 1]} label={{ value: 'cosine', angle: -90, position: 'insideLeft', className: 'chart-label' }} />
              <Tooltip formatter={(v, n) => [Number(v).toFixed(3), n]} />
              <Legend />
              {enc && (
                <Bar dataKey="enc" name={`${result.encoder!.name} (encoder)`} fill={seriesColor(0)} isAnimationActive={false}>
                  <ErrorBar dataKey="encSE" width={4} stroke="currentColor" />
                </Bar>
              )}
              {sen && (
                <Bar dataKey="sen" name={`${result.textEmbedder!.name} (sentence)`} fill={seriesColor(1)} isAnimationActive={false}>
                  <ErrorBar dataKey="senSE" width={4} stroke="currentColor" />
                </Bar>
              )}
            </BarChart>
          </ResponsiveContainer>
        </Figure>
      </div>
      <h3>Per neuron</h3>
      <div style={{ overflowX: 'auto' }}>
        <table className="table" data-testid="ls-neuron-table">
          <thead>
            <tr>
              <th>Neuron</th>
              <th>Class</th>
              {result.runs.map((r) => (
                <th key={`${r.runId}-${r.method}`} colSpan={1 + (enc ? 1 : 0) + (sen ? 1 : 0)}>
                  {name(r.runId)} · {methodLabel(r.method)}
                </th>
              ))}
            </tr>
            <tr>
              <th />
              <th />
              {result.runs.map((r) => [
                <th key={`${r.runId}-l`}>label</th>,
                enc && (
                  <th key={`${r.runId}-e`} title={`Cosine under the ${enc}`}>
                    encoder
                  </th>
                ),
                sen && (
                  <th key={`${r.runId}-s`} title={`Cosine under the ${sen}`}>
                    sentence
                  </th>
                ),
              ])}
            </tr>
          </thead>
          <tbody>
            {result.classNames.map((cls, k) => (
              <tr key={k} data-testid="ls-neuron-row" data-neuron={k}>
                <td>{k}</td>
                <td>{cls}</td>
                {result.runs.map((r) => {
                  const x = r.neurons.find((y) => y.neuron === k);
                  if (!x) return <td key={r.runId} colSpan={1 + (enc ? 1 : 0) + (sen ? 1 : 0)} />;
                  return [
                    <td key={`${r.runId}-l`} data-testid="ls-label" data-run={r.runId}>
                      <a
                        href={router.href({ screen: 'explanations', view: 'run', runId: r.runId, neuron: k })}
                        title={`Neuron ${k}'s page in run ${name(r.runId)}`}
                      >
                        {x.label}
                      </a>
                    </td>,
                    enc && (
                      <td key={`${r.runId}-e`} className="num">
                        {x.encoderCos?.toFixed(3) ?? '—'}
                      </td>
                    ),
                    sen && (
                      <td key={`${r.runId}-s`} className="num">
                        {x.sentenceCos?.toFixed(3) ?? '—'}
                      </td>
                    ),
                  ];
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
