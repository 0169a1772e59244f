import './ratings.css';
import { useCallback, useState } from 'react';
import type { ActivationSetInfo, ExplainMethod, ExplainRunInfo } from '../../../../shared/contract';
import { methodLabel, RUN_METHODS } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { useLayers } from '../../components/LayerPicker';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatCount, formatDate } from '../../lib/format';
import { useContractMutation, useContractQuery } from '../../lib/query';
import { router, useScreenRoute } from '../../routes';
import { RateView } from './RateView';
import { ResultsView } from './ResultsView';

/**
 * Blind rating studies (the Describe-and-Dissect authors' human evaluation, in the app): a layer's studies and a form
 * to make one; a study is rated on its own view (labels without method names, keys 1-5) and its results reveal the
 * methods.
 */
export function RatingsScreen() {
  const route = useScreenRoute('ratings');
  if (route.view === 'rate') return <RateView studyId={route.studyId} rater={route.rater} />;
  if (route.view === 'results') return <ResultsView studyId={route.studyId} />;
  return <StudiesView setId={route.setId} />;
}

function StudiesView({ setId }: { setId: number | undefined }) {
  const { navigate } = useApp();
  const open = useCallback(
    (id: number, opts?: { replace: boolean }) => navigate({ screen: 'ratings', view: 'layer', setId: id }, opts),
    [navigate],
  );
  const { set, layerName, picker } = useLayers(setId, open, { testId: 'ratings-layer' });
  return (
    <div className="stack" data-testid="ratings-screen">
      <section className="card stack">
        <h1>Rate labels (blind)</h1>
        <p className="hint">
          People judge labels best: each rater sees a neuron&apos;s top probe images and the labels several methods gave it, in a random
          order and without method names, and rates how well each label describes the images from 1 (not at all) to 5 (perfectly), with the
          keyboard. The results reveal the methods: mean rating ± standard error per method and how much the raters agree.
        </p>
        {picker}
      </section>
      {set && (
        <>
          <StudyList set={set} />
          <NewStudy set={set} layer={layerName(set)} />
        </>
      )}
    </div>
  );
}

function StudyList({ set }: { set: ActivationSetInfo }) {
  const studies = useContractQuery('ratings.studies', { activationSetId: set.id });
  const del = useContractMutation('ratings.delete', { changes: ['ratings'] });
  if (!studies.data) return <ErrorBox error={studies.error} />;
  if (studies.data.length === 0) return null;
  return (
    <section className="card stack">
      <h2>Studies of this layer</h2>
      <table className="table" data-testid="ratings-studies">
        <thead>
          <tr>
            <th>Study</th>
            <th>Neurons</th>
            <th>Labels</th>
            <th>Raters (labels rated)</th>
            <th>Made</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {studies.data.map((s) => (
            <tr key={s.id} data-testid="ratings-study" data-study={s.id}>
              <td>
                #{s.id} {s.name}
              </td>
              <td className="num">{formatCount(s.neurons)}</td>
              <td className="num">{formatCount(s.items)}</td>
              <td>{s.raters.length ? s.raters.map((r) => `${r.name} (${r.rated} of ${s.items})`).join(', ') : '—'}</td>
              <td className="hint">{formatDate(s.createdAt)}</td>
              <td className="actions">
                <a href={router.href({ screen: 'ratings', view: 'rate', studyId: s.id })} data-testid="ratings-rate-link">
                  Rate
                </a>{' '}
                <a href={router.href({ screen: 'ratings', view: 'results', studyId: s.id })} data-testid="ratings-results-link">
                  Results
                </a>{' '}
                <button
                  type="button"
                  className="link danger"
                  onClick={() => {
                    if (window.confirm(`Delete study #${s.id} "${s.name}" and its ${s.raters.length} raters' ratings?`))
                      void del.run({ studyId: s.id });
                  }}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The explanation methods of a run to offer: the run's own first (what it is known for). */
const methodsOf = (r: ExplainRunInfo): readonly ExplainMethod[] => RUN_METHODS[r.method] ?? [r.method as ExplainMethod];

function NewStudy({ set, layer }: { set: ActivationSetInfo; layer: string }) {
  const { navigate } = useApp();
  const runs = useContractQuery('explain.runs', { activationSetId: set.id });
  const done = (runs.data ?? []).filter((r) => r.status === 'done');
  // Picked label sources: "runId:method".
  const [picked, setPicked] = useState<string[]>([]);
  const [maxNeurons, setMaxNeurons] = useState(20);
  const [topImages, setTopImages] = useState(8);
  const [seed, setSeed] = useState(0);
  const [name, setName] = useState('');
  const [error, setError] = useState<ShownError | null>(null);
  const create = useContractMutation('ratings.create', { changes: ['ratings'] });

  async function submit() {
    setError(null);
    try {
      const study = await create.run({
        activationSetId: set.id,
        runs: picked.map((k) => ({ runId: Number(k.split(':')[0]), method: k.split(':')[1] as ExplainMethod })),
        maxNeurons,
        topImages,
        seed,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      navigate({ screen: 'ratings', view: 'rate', studyId: study.id });
    } catch (e) {
      setError(toShownError(e));
    }
  }

  return (
    <section className="card stack" data-testid="ratings-new">
      <h2>New study of {layer}</h2>
      <ErrorBox error={runs.error} />
      {runs.data && done.length === 0 && <p className="hint">No finished run of this layer: explain it first.</p>}
      {done.length > 0 && (
        <fieldset className="stack">
          <legend>Label sources (a run and which of its labels)</legend>
          {done.flatMap((r) =>
            methodsOf(r).map((m) => {
              const key = `${r.id}:${m}`;
              return (
                <label key={key}>
                  <input
                    type="checkbox"
                    checked={picked.includes(key)}
                    onChange={(e) => setPicked((p) => (e.target.checked ? [...p, key] : p.filter((x) => x !== key)))}
                    data-testid="ratings-source"
                    data-source={key}
                  />{' '}
                  run #{r.id} · {methodLabel(m)}
                </label>
              );
            }),
          )}
        </fieldset>
      )}
      <div className="inline-field wrap">
        <label>
          Neurons <input type="number" min={1} max={2000} value={maxNeurons} onChange={(e) => setMaxNeurons(Number(e.target.value))} />
        </label>
        <label>
          Top images <input type="number" min={1} max={24} value={topImages} onChange={(e) => setTopImages(Number(e.target.value))} />
        </label>
        <label>
          Seed <input type="number" min={0} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
        </label>
        <label>
          Name <input value={name} placeholder="(layer, neurons, sources)" onChange={(e) => setName(e.target.value)} />
        </label>
      </div>
      <p className="hint">
        Neurons: a seeded sample of those every picked source labelled. Each neuron&apos;s labels are shown in a seeded random order; a text
        two sources gave is shown once and its rating counts for both.
      </p>
      <div>
        <button type="button" disabled={picked.length === 0 || create.busy} onClick={() => void submit()} data-testid="ratings-create">
          Make the study and start rating
        </button>
      </div>
      <ErrorBox error={error} testId="ratings-create-error" />
    </section>
  );
}
