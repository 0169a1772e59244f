import { useMemo, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { formatShare } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { router } from '../../routes';
import { formatCorr, runMethodLabel } from './format';
import { unitRoute } from './JumpBox';
import type { RunInfo } from './types';
import type { Layer } from './units';
import type { Out } from '../../lib/contract';

type Agreement = Out<'explain.agreement'>;
type Row = Agreement['rows'][number];
type Key = 'neuron' | 'sameTop' | 'jaccard' | 'testA' | 'testB' | 'diff';
const PAGE = 300;

function value(r: Row, k: Key): number | null {
  if (k === 'sameTop') return r.sameTop ? 1 : 0;
  return r[k];
}

/** Two methods (two explain runs) over one layer: agreement of top concepts, Jaccard of concept sets, score differences. */
export function AgreementView({ a, b, layers, runs }: { a?: number; b?: number; layers: Layer[]; runs: RunInfo[] }) {
  const { navigate } = useApp();
  const runA = runs.find((r) => r.id === a) ?? runs.find((r) => runs.some((o) => o.id !== r.id && o.activationSetId === r.activationSetId));
  const others = runA ? runs.filter((r) => r.id !== runA.id && r.activationSetId === runA.activationSetId) : [];
  const runB = others.find((r) => r.id === b) ?? others[0];
  const layer = runA ? layers.find((l) => l.set.id === runA.activationSetId) : undefined;
  const res = useContractQuery('explain.agreement', runA && runB ? { runA: runA.id, runB: runB.id } : null);
  const data = res.data && res.data.a.runId === runA?.id && res.data.b.runId === runB?.id ? res.data : null;
  const [sort, setSort] = useState<{ by: Key; dir: 'asc' | 'desc' }>({ by: 'diff', dir: 'desc' });
  const [shown, setShown] = useState(PAGE);
  const rows = useMemo(() => {
    if (!data) return [];
    const sign = sort.dir === 'asc' ? 1 : -1;
    return [...data.rows].sort((x, y) => {
      const vx = value(x, sort.by);
      const vy = value(y, sort.by);
      if (vx === null || vy === null) return vx === vy ? x.neuron - y.neuron : vx === null ? 1 : -1;
      return sign * (vx - vy) || x.neuron - y.neuron;
    });
  }, [data, sort]);
  const pick = (na: number, nb?: number) =>
    navigate({ screen: 'explanations', view: 'agree', a: na, ...(nb !== undefined ? { b: nb } : {}) });
  const head = (k: Key, label: string, title: string) => (
    <th className={k === 'sameTop' ? '' : 'num'} aria-sort={sort.by === k ? (sort.dir === 'desc' ? 'descending' : 'ascending') : undefined}>
      <button
        type="button"
        className="link sort-button"
        title={title}
        onClick={() =>
          setSort((s) => (s.by === k ? { by: k, dir: s.dir === 'desc' ? 'asc' : 'desc' } : { by: k, dir: k === 'neuron' ? 'asc' : 'desc' }))
        }
        data-testid={`agree-sort-${k}`}
      >
        {label}
        {sort.by === k ? (sort.dir === 'desc' ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
  const candidates = runs.filter((r) => runs.some((o) => o.id !== r.id && o.activationSetId === r.activationSetId));
  return (
    <div className="stack" data-testid="agreement" data-loaded={!!data} data-a={runA?.id ?? ''} data-b={runB?.id ?? ''}>
      <section className="card">
        <h3>Two methods over one layer{layer ? `: ${layer.label}` : ''}</h3>
        {candidates.length === 0 && (
          <p className="hint" data-testid="agree-none">
            No layer has two explanation runs yet: run another method (e.g. LE(SigLIP) next to LE (labels)), or import a results file, on
            the same activation set.
          </p>
        )}
        {runA && (
          <div className="inline-field wrap">
            <label className="inline-field">
              A
              <select value={runA.id} onChange={(e) => pick(Number(e.target.value))} data-testid="agree-a">
                {candidates.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id} {runMethodLabel(r)} · {layers.find((l) => l.set.id === r.activationSetId)?.label ?? `set #${r.activationSetId}`}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-field">
              B
              <select value={runB?.id ?? ''} onChange={(e) => pick(runA.id, Number(e.target.value))} data-testid="agree-b">
                {others.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id} {runMethodLabel(r)}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        <ErrorBox error={res.error} />
        {data && (
          <>
            <dl className="stat-row">
              <div className="stat">
                <dt>Same top concept</dt>
                <dd data-testid="agree-share" data-value={data.sameTopShare ?? ''}>
                  {data.sameTopShare === null ? '—' : formatShare(data.sameTopShare)}
                </dd>
                <dd className="stat-def">
                  <span data-testid="agree-same">{data.sameTop}</span> of <span data-testid="agree-neurons">{data.neurons}</span> units both
                  explain: the concept of the largest |weight| is the same
                </dd>
              </div>
              <div className="stat">
                <dt>Mean Jaccard</dt>
                <dd data-testid="agree-jaccard" data-value={data.meanJaccard ?? ''}>
                  {data.meanJaccard === null ? '—' : data.meanJaccard.toFixed(3)}
                </dd>
                <dd className="stat-def">|A ∩ B| / |A ∪ B| of the two concept sets, averaged over the units</dd>
              </div>
              <div className="stat">
                <dt>Mean test r, A</dt>
                <dd data-testid="agree-mean-a">{formatCorr(data.meanTestA)}</dd>
                <dd className="stat-def">
                  #{data.a.runId} {runMethodLabel({ method: data.a.method })}, {data.a.simulatorName}
                </dd>
              </div>
              <div className="stat">
                <dt>Mean test r, B</dt>
                <dd data-testid="agree-mean-b">{formatCorr(data.meanTestB)}</dd>
                <dd className="stat-def">
                  #{data.b.runId} {runMethodLabel({ method: data.b.method })}, {data.b.simulatorName}
                </dd>
              </div>
              <div className="stat">
                <dt>Mean A − B</dt>
                <dd data-testid="agree-mean-diff">{formatCorr(data.meanDiff)}</dd>
                <dd className="stat-def">test r difference per unit, averaged</dd>
              </div>
            </dl>
            {data.a.simulator !== data.b.simulator && (
              <p className="warn-text" data-testid="agree-simulators-differ">
                The two runs are scored by different simulators (A: {data.a.simulatorName}; B: {data.b.simulatorName}): a difference mixes
                the methods and the simulators. Score both with the same image-text simulator (Score with an image-text simulator, on each
                run) to compare them under one.
              </p>
            )}
          </>
        )}
      </section>
      {data && (
        <section className="card">
          <h4>Per unit ({data.rows.length})</h4>
          <div className="table-scroll">
            <table className="table agree-table" data-testid="agree-table" data-sort={`${sort.by}:${sort.dir}`}>
              <thead>
                <tr>
                  {head('neuron', 'Unit', 'Unit index in the layer')}
                  <th>Top concept A</th>
                  <th>Top concept B</th>
                  {head('sameTop', 'Same', 'Is the top concept the same?')}
                  {head('jaccard', 'Jaccard', '|A ∩ B| / |A ∪ B| of the concept sets')}
                  {head('testA', `Test r A (${data.a.simulatorName})`, `Run #${data.a.runId}, test split, ${data.a.simulatorName}`)}
                  {head('testB', `Test r B (${data.b.simulatorName})`, `Run #${data.b.runId}, test split, ${data.b.simulatorName}`)}
                  {head('diff', 'A − B', 'Difference of the test correlations')}
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, shown).map((r) => (
                  <tr
                    key={r.neuron}
                    className="abl-click"
                    tabIndex={0}
                    onClick={() => layer && navigate(unitRoute(layer, r.neuron, data.a.runId))}
                    onKeyDown={(e) => e.key === 'Enter' && layer && navigate(unitRoute(layer, r.neuron, data.a.runId))}
                    data-testid="agree-row"
                    data-neuron={r.neuron}
                    data-diff={r.diff}
                  >
                    <td className="num mono">
                      {layer ? (
                        <a href={router.href(unitRoute(layer, r.neuron, data.a.runId))} onClick={(e) => e.stopPropagation()}>
                          {r.neuron}
                        </a>
                      ) : (
                        r.neuron
                      )}
                    </td>
                    <td className="text" title={r.textA}>
                      {r.topA ?? '—'}
                    </td>
                    <td className="text" title={r.textB}>
                      {r.topB ?? '—'}
                    </td>
                    <td>{r.sameTop ? 'yes' : 'no'}</td>
                    <td className="num mono">{r.jaccard === null ? '—' : r.jaccard.toFixed(2)}</td>
                    <td className="num mono">{formatCorr(r.testA)}</td>
                    <td className="num mono">{formatCorr(r.testB)}</td>
                    <td className="num mono strong">{formatCorr(r.diff)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length > shown && (
            <button type="button" onClick={() => setShown((n) => n + PAGE)} data-testid="agree-more">
              Show {Math.min(PAGE, rows.length - shown)} more of {rows.length - shown}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
