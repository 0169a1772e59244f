import { useMemo, useState } from 'react';
import { formatCorr } from '../explanations';
import { formatScore, methodColor } from './format';
import { methodLabel, UnitLink } from '../explanations';
import type { AblationRow } from './types';

type Key = 'neuron' | 'method' | 'testCorrelation' | 'denominator' | 'optim' | 'norm';
interface Sort {
  by: Key;
  dir: 'asc' | 'desc';
}

const PAGE = 300;

function value(r: AblationRow, k: Key): number | string | null {
  switch (k) {
    case 'neuron':
      return r.neuron;
    case 'method':
      return r.method;
    case 'testCorrelation':
      return r.testCorrelation;
    case 'denominator':
      return r.denominator;
    case 'optim':
      return r.optim?.score ?? null;
    case 'norm':
      return r.norm?.score ?? null;
  }
}

/** Missing values sort last in both directions. */
function compare(a: AblationRow, b: AblationRow, s: Sort): number {
  const va = value(a, s.by);
  const vb = value(b, s.by);
  if (va === null || vb === null) return va === vb ? a.neuron - b.neuron : va === null ? 1 : -1;
  const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
  return (s.dir === 'asc' ? c : -c) || a.neuron - b.neuron || a.method.localeCompare(b.method);
}

function SortHead({ k, label, title, sort, onSort }: { k: Key; label: string; title: string; sort: Sort; onSort: (k: Key) => void }) {
  const on = sort.by === k;
  return (
    <th className={k === 'method' ? '' : 'num'} aria-sort={on ? (sort.dir === 'desc' ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="link sort-button" title={title} onClick={() => onSort(k)} data-testid={`abl-sort-${k}`}>
        {label}
        {on ? (sort.dir === 'desc' ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
}

function Scaled({ s }: { s: AblationRow['optim'] }) {
  if (!s)
    return (
      <td className="num hint" colSpan={3}>
        —
      </td>
    );
  return (
    <>
      <td className="num strong">{formatScore(s.score)}</td>
      <td className="num hint">{formatScore(s.c, 3)}</td>
      <td className="num hint">{formatScore(s.d, 3)}</td>
    </>
  );
}

/** One row per (neuron, method): baseline loss change, Optim and Norm scores with their c, d; sortable. */
export function NeuronScoreTable({
  rows,
  total,
  hidden,
  setId,
  explainRunId,
  simulator,
}: {
  rows: AblationRow[];
  total: number;
  hidden: ReadonlySet<string>;
  /** The layer and explain run, so each unit links to its page. */
  setId: number;
  explainRunId?: number;
  /** The simulator of the test correlations (the ablation run's). */
  simulator: string;
}) {
  const [sort, setSort] = useState<Sort>({ by: 'neuron', dir: 'asc' });
  const [shown, setShown] = useState(PAGE);
  const sorted = useMemo(() => rows.filter((r) => !hidden.has(r.method)).sort((a, b) => compare(a, b, sort)), [rows, sort, hidden]);
  function onSort(k: Key) {
    setSort((s) =>
      s.by === k ? { by: k, dir: s.dir === 'desc' ? 'asc' : 'desc' } : { by: k, dir: k === 'neuron' || k === 'method' ? 'asc' : 'desc' },
    );
  }
  const head = { sort, onSort };
  return (
    <div className="stack" data-testid="abl-neuron-table" data-rows={sorted.length} data-sort={`${sort.by}:${sort.dir}`}>
      <div className="table-scroll abl-table-scroll">
        <table className="table abl-neurons">
          <thead>
            <tr>
              <SortHead k="neuron" label="Neuron" title="Unit index in the layer" {...head} />
              <SortHead k="method" label="Method" title="Explanation method" {...head} />
              <th>Explanation</th>
              <SortHead
                k="testCorrelation"
                label={`Test r (${simulator})`}
                title={`Correlation of the explanation on the test split, ${simulator}`}
                {...head}
              />
              <SortHead
                k="denominator"
                label="Mean-abl. ΔL"
                title="Σ|L(f with neuron ← val mean) − L(f)| on test: the score's denominator"
                {...head}
              />
              <SortHead k="optim" label="Optim" title="Ablation score, Optim scaling" {...head} />
              <th className="num" title="Optim scale c">
                c
              </th>
              <th className="num" title="Optim offset d">
                d
              </th>
              <SortHead k="norm" label="Norm" title="Ablation score, Norm scaling" {...head} />
              <th className="num" title="Norm scale c">
                c
              </th>
              <th className="num" title="Norm offset d">
                d
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.slice(0, shown).map((r) => (
              <tr
                key={`${r.neuron}:${r.method}`}
                data-testid="abl-neuron-row"
                data-neuron={r.neuron}
                data-method={r.method}
                data-optim={r.optim?.score ?? ''}
              >
                <td className="num mono">
                  <UnitLink setId={setId} neuron={r.neuron} runId={explainRunId} testId="abl-unit-link" />
                </td>
                <td className="nowrap">
                  <span className="swatch" style={{ background: methodColor(r.method) }} aria-hidden /> {methodLabel(r.method)}
                </td>
                <td className="abl-text" title={r.text}>
                  {r.flag ? (
                    <span className="badge badge-warn" title={r.flag}>
                      {r.flag}
                    </span>
                  ) : (
                    r.text
                  )}
                </td>
                <td className="num">{formatCorr(r.testCorrelation)}</td>
                <td className="num">{formatScore(r.denominator)}</td>
                <Scaled s={r.optim} />
                <Scaled s={r.norm} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">
        {Math.min(shown, sorted.length)} of {sorted.length} rows shown
        {total > rows.length && ` (first ${rows.length} of ${total} loaded)`}.{' '}
        {shown < sorted.length && (
          <button type="button" className="link" onClick={() => setShown((n) => n + PAGE)}>
            Show more
          </button>
        )}
      </p>
    </div>
  );
}
