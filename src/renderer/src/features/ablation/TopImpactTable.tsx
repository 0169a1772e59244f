import { useMemo, useState } from 'react';
import { formatBeta, formatPct } from './format';
import type { TopImpactData } from './types';
import { UnitLink } from '../explanations';

type Sort = { by: number; dir: 'asc' | 'desc' }; // by: -1 = neuron, else the beta index

/** TI at the five reference betas: the layer mean, then one row per neuron (sortable; click selects the neuron's curve). */
export function TopImpactTable({
  data,
  selected,
  onSelect,
}: {
  data: TopImpactData;
  selected: number | null;
  onSelect: (n: number) => void;
}) {
  const [sort, setSort] = useState<Sort>({ by: -1, dir: 'asc' });
  const rows = useMemo(() => {
    const v = (r: TopImpactData['neurons'][number]) => (sort.by < 0 ? r.neuron : (r.atBetas[sort.by] ?? null));
    return [...data.neurons].sort((a, b) => {
      const va = v(a);
      const vb = v(b);
      if (va === null || vb === null) return va === vb ? a.neuron - b.neuron : va === null ? 1 : -1;
      return (sort.dir === 'asc' ? va - vb : vb - va) || a.neuron - b.neuron;
    });
  }, [data.neurons, sort]);
  function onSort(by: number) {
    setSort((s) => (s.by === by ? { by, dir: s.dir === 'desc' ? 'asc' : 'desc' } : { by, dir: by < 0 ? 'asc' : 'desc' }));
  }
  const arrow = (by: number) => (sort.by === by ? (sort.dir === 'desc' ? ' ↓' : ' ↑') : '');
  return (
    <div className="table-scroll abl-table-scroll" data-testid="ti-table" data-sort={`${sort.by}:${sort.dir}`}>
      <table className="table">
        <thead>
          <tr>
            <th className="num">
              <button type="button" className="link sort-button" onClick={() => onSort(-1)} data-testid="ti-sort-neuron">
                Neuron{arrow(-1)}
              </button>
            </th>
            {data.betas.map((b, i) => (
              <th key={b} className="num">
                <button
                  type="button"
                  className="link sort-button"
                  title={`Share of |impact| from the top ${formatBeta(b)} of images`}
                  onClick={() => onSort(i)}
                  data-testid={`ti-sort-${i}`}
                >
                  TI({formatBeta(b)}){arrow(i)}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr className="abl-mean-row" data-testid="ti-mean-row">
            <td className="num strong">Layer mean</td>
            {data.meanAtBetas.map((v, i) => (
              <td key={i} className="num strong" data-testid="ti-mean" data-value={v ?? ''}>
                {formatPct(v)}
              </td>
            ))}
          </tr>
          {rows.map((r) => (
            <tr
              key={r.neuron}
              className={`abl-click${selected === r.neuron ? ' selected' : ''}`}
              onClick={() => onSelect(r.neuron)}
              tabIndex={0}
              onKeyDown={(e) => e.key === 'Enter' && onSelect(r.neuron)}
              data-testid="ti-row"
              data-neuron={r.neuron}
            >
              <td className="num mono">
                <UnitLink setId={data.run.activationSetId} neuron={r.neuron} testId="ti-unit-link" />
                {r.flag && (
                  <span className="badge badge-warn" title={r.flag}>
                    {r.flag}
                  </span>
                )}
              </td>
              {r.atBetas.map((v, i) => (
                <td key={i} className="num">
                  {formatPct(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
