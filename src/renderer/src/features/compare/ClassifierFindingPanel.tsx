import { useState } from 'react';
import type { ActivationSetInfo, ClassifierFinding, ExplainRunInfo } from '../../../../shared/contract';
import { METHOD_LABEL, methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { MeanBarChart } from '../../components/MeanBarChart';
import { formatCount } from '../../lib/format';
import type { In } from '../../lib/contract';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { meanSE } from './rows';
import { methodInput, RunChecklist, runName, useRunChoice } from './RunChecklist';

/**
 * "Find a classifier for an unseen concept" (DnD / MILAN): per class of a second labelled probe set, each run's
 * neuron whose label is closest to the class name (encoder text tower), scored by the AUROC of that neuron's
 * activation for the class on the second probe set.
 */
export function ClassifierFindingPanel({ set, layer }: { set: ActivationSetInfo; layer: string }) {
  const runs = useContractQuery('explain.runs', { activationSetId: set.id });
  const sets = useContractQuery('activations.list', {});
  const probes = useContractQuery('probe.list', {});
  const encoders = useContractQuery('encoder.list', {});
  const done = (runs.data ?? []).filter((r) => r.status === 'done');
  // The same model and layer extracted on another probe set: its classes are concepts the runs never saw.
  const seconds = (sets.data ?? []).filter(
    (s) => s.complete && s.modelId === set.modelId && s.tensorName === set.tensorName && s.probeSetId !== set.probeSetId,
  );
  const probeName = (id: number) => probes.data?.find((p) => p.id === id)?.name ?? `probe set #${id}`;
  const choice = useRunChoice();
  const [secondId, setSecondId] = useState<number | null>(null);
  const [encoderId, setEncoderId] = useState<number | null>(null);
  const [input, setInput] = useState<In<'compare.classifierFinding'> | null>(null);
  const second = secondId ?? seconds[0]?.id ?? null;
  const encoder = encoderId ?? encoders.data?.[0]?.id ?? null;
  const q = useContractQuery('compare.classifierFinding', input, { keepPrevious: false });
  const chosen = done.filter((r) => choice.picked.includes(r.id));

  return (
    <section className="card stack" data-testid="classifier-finding">
      <h2>Find a classifier for a new concept</h2>
      <p className="hint">
        The Describe-and-Dissect / MILAN evaluation: for each class of a second labelled probe set (concepts the runs were not made on),
        each run picks the neuron of this layer whose label is closest to the class name under the encoder&apos;s text tower. The score is
        the AUROC of that neuron&apos;s activation for &quot;image is of this class&quot; against the other images of the second probe set
        (0.5 = chance, 1 = a perfect classifier).
      </p>
      <ErrorBox error={runs.error ?? sets.error ?? encoders.error ?? probes.error} />
      {runs.data && done.length === 0 && <p className="hint">No finished run of this layer to evaluate.</p>}
      {done.length > 0 && <RunChecklist runs={done} layer={layer} choice={choice} testId="cf" />}
      {sets.data && seconds.length === 0 && (
        <p className="hint" data-testid="cf-no-second">
          No second activation set: import another labelled probe folder (one subfolder per class) on the Probe sets screen, then extract
          this layer ({set.tensorName}) of the same model on it on the Models screen.
        </p>
      )}
      {seconds.length > 0 && (
        <label className="inline-field">
          Second probe set (unseen concepts){' '}
          <select value={second ?? ''} onChange={(e) => setSecondId(Number(e.target.value))} data-testid="cf-second">
            {seconds.map((s) => (
              <option key={s.id} value={s.id}>
                {probeName(s.probeSetId)} ({formatCount(s.nImages)} images, activation set #{s.id})
              </option>
            ))}
          </select>
        </label>
      )}
      {encoders.data && encoders.data.length === 0 && <p className="hint">No encoder in the project: add one on the Concepts screen.</p>}
      {encoders.data && encoders.data.length > 0 && (
        <label className="inline-field">
          Encoder (compares labels with class names){' '}
          <select value={encoder ?? ''} onChange={(e) => setEncoderId(Number(e.target.value))} data-testid="cf-encoder">
            {encoders.data.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div>
        <button
          type="button"
          disabled={chosen.length === 0 || second === null || encoder === null || q.loading}
          onClick={() =>
            second !== null &&
            encoder !== null &&
            setInput({
              runIds: chosen.map((r) => r.id),
              activationSetId: second,
              encoderId: encoder,
              method: methodInput(choice, chosen),
            })
          }
          data-testid="cf-submit"
        >
          {q.loading ? 'Running…' : 'Run'}
        </button>
      </div>
      <ErrorBox error={q.error} testId="cf-error" />
      {q.data && input && (
        <ClassifierFindingResult
          result={q.data}
          runs={done}
          setId={set.id}
          layer={layer}
          probe={probeName(secondProbe(sets.data, q.data))}
        />
      )}
    </section>
  );
}

function secondProbe(sets: ActivationSetInfo[] | null, r: ClassifierFinding): number {
  return sets?.find((s) => s.id === r.activationSetId)?.probeSetId ?? r.probeSetId;
}

function ClassifierFindingResult({
  result,
  runs,
  setId,
  layer,
  probe,
}: {
  result: ClassifierFinding;
  runs: ExplainRunInfo[];
  setId: number;
  layer: string;
  probe: string;
}) {
  const name = (id: number) => {
    const r = runs.find((x) => x.id === id);
    return r ? runName(r) : `#${id}`;
  };
  const data = result.runs.map((r) => ({
    // The method is named only where it is not the run's own (e.g. a DnD run's second label).
    name:
      methodLabel(r.method) === (METHOD_LABEL[runs.find((x) => x.id === r.runId)?.method ?? ''] ?? '')
        ? name(r.runId)
        : `${name(r.runId)} · ${methodLabel(r.method)}`,
    mean: r.auroc.mean,
    se: r.auroc.standardError,
  }));
  const where = `on ${probe} (activation set #${result.activationSetId})`;
  return (
    <div className="stack" data-testid="cf-result">
      <h3>Mean AUROC per run</h3>
      <table className="table" data-testid="cf-run-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Labels read</th>
            <th title="Neurons with a label of that method: the candidates a class can pick">Candidates</th>
            <th title={`Mean over the classes of the AUROC of the picked neuron's activation for its class ${where}, ± SE`}>
              Mean AUROC ± SE
            </th>
            <th>Classes</th>
          </tr>
        </thead>
        <tbody>
          {result.runs.map((r) => (
            <tr key={r.runId} data-testid="cf-run-row" data-run={r.runId}>
              <td>{name(r.runId)}</td>
              <td>{methodLabel(r.method)}</td>
              <td className="num">{formatCount(r.candidates)}</td>
              <td className="num" title={`${name(r.runId)}: mean AUROC of its picked neurons ${where}, n = ${r.auroc.n} classes`}>
                {meanSE(r.auroc)}
              </td>
              <td className="num">{r.auroc.n}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        Mean AUROC: over the {result.classes.length} classes of {probe}, the AUROC of the neuron the run picked for each class (its
        activation on {probe}, class images vs the rest); ± SE = sample SD / √n over the classes.
      </p>
      <MeanBarChart
        bars={data}
        yLabel="AUROC"
        domain={[0, 1]}
        label="Mean AUROC per run for classes of a second probe set, with standard errors"
        name={`classifier-finding-layer${setId}-set${result.activationSetId}`}
        caption={{
          title: 'Finding a classifier for a new concept: mean AUROC ± 1 standard error',
          lines: [
            `Layer ${layer} · classes of ${probe} (activation set #${result.activationSetId}) · per class the neuron whose label is closest to the class name`,
            `AUROC of that neuron's activation for the class vs the rest of ${probe}; 0.5 = chance`,
          ],
        }}
        heading={<h4>Mean AUROC ± SE per run</h4>}
        testId="cf-chart"
      />
      <h3>Per class: the neuron each run picks</h3>
      <p className="hint">
        Neuron: the one of {layer} whose label is closest to the class name; cosine: label vs class name under the encoder; AUROC: that
        neuron&apos;s activation for the class against the rest {where}. Positives / negatives: images of the class / the others.
      </p>
      <div style={{ overflowX: 'auto' }}>
        <table className="table" data-testid="cf-class-table">
          <thead>
            <tr>
              <th>Class</th>
              <th title="Images of the class / of the other classes in the second probe set">+ / −</th>
              {result.runs.map((r) => (
                <th key={r.runId} colSpan={4}>
                  {name(r.runId)} · {methodLabel(r.method)}
                </th>
              ))}
            </tr>
            <tr>
              <th />
              <th />
              {result.runs.map((r) => [
                <th key={`${r.runId}-n`}>neuron</th>,
                <th key={`${r.runId}-l`}>label</th>,
                <th key={`${r.runId}-c`} title="Cosine of the label and the class name under the encoder's text tower">
                  cosine
                </th>,
                <th key={`${r.runId}-a`} title={`AUROC of the picked neuron's activation for this class ${where}`}>
                  AUROC
                </th>,
              ])}
            </tr>
          </thead>
          <tbody>
            {result.classes.map((c) => (
              <tr key={c.className} data-testid="cf-class-row" data-class={c.className}>
                <td>{c.className}</td>
                <td className="num">
                  {c.positives} / {c.negatives}
                </td>
                {result.runs.map((r) => {
                  const x = r.classes.find((y) => y.className === c.className);
                  if (!x) return <td key={r.runId} colSpan={4} />;
                  return [
                    <td key={`${r.runId}-n`} data-testid="cf-neuron" data-run={r.runId} data-neuron={x.neuron} data-label={x.label}>
                      <a
                        href={router.href({ screen: 'explanations', view: 'run', runId: r.runId, neuron: x.neuron })}
                        title={`Neuron ${x.neuron}'s page in run ${name(r.runId)}`}
                      >
                        {x.neuron}
                      </a>
                    </td>,
                    <td key={`${r.runId}-l`}>{x.label}</td>,
                    <td key={`${r.runId}-c`} className="num" title={`cosine("${x.label}", "${x.text}")`}>
                      {x.cosine.toFixed(3)}
                    </td>,
                    <td
                      key={`${r.runId}-a`}
                      className="num"
                      title={`AUROC of neuron ${x.neuron}'s activation for "${c.className}" ${where} (${c.positives} vs ${c.negatives} images)`}
                    >
                      {x.auroc.toFixed(3)}
                    </td>,
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
