import { useMemo, useState } from 'react';
import { formatCount } from '../../lib/format';
import type { CalibrationReport } from './types';

type Row = CalibrationReport['perConcept'][number];
type Key = 'concept' | 'positives' | 'auroc';

/** Per-concept AUROC of the encoder's cosine against the labels: which concepts it separates; sortable. */
export function AurocTable({ rows }: { rows: Row[] }) {
  const [sort, setSort] = useState<{ by: Key; dir: 'asc' | 'desc' }>({ by: 'auroc', dir: 'desc' });
  const sorted = useMemo(() => {
    const s = [...rows];
    s.sort((a, b) => {
      const va = a[sort.by];
      const vb = b[sort.by];
      if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return sort.dir === 'asc' ? c : -c;
    });
    return s;
  }, [rows, sort]);
  const head = (k: Key, label: string, num: boolean) => (
    <th className={num ? 'num' : ''} aria-sort={sort.by === k ? (sort.dir === 'desc' ? 'descending' : 'ascending') : undefined}>
      <button
        type="button"
        className="link sort-button"
        onClick={() =>
          setSort((s) =>
            s.by === k ? { by: k, dir: s.dir === 'desc' ? 'asc' : 'desc' } : { by: k, dir: k === 'concept' ? 'asc' : 'desc' },
          )
        }
        data-testid={`auroc-sort-${k}`}
      >
        {label}
        {sort.by === k ? (sort.dir === 'desc' ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
  return (
    <div className="table-scroll auroc-scroll">
      <table className="table" data-testid="auroc-table">
        <thead>
          <tr>
            {head('concept', 'Concept', false)}
            {head('positives', 'Positives', true)}
            {head('auroc', 'AUROC', true)}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.concept} data-testid="auroc-row">
              <td>{r.concept}</td>
              <td className="num">{formatCount(r.positives)}</td>
              <td className="num">{r.auroc === null ? '—' : r.auroc.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
