import { useMemo } from 'react';
import { formatCount } from '../../lib/format';
import type { LabelCount, ProbeSummary } from '../../lib/types';

interface Row {
  label: LabelCount;
  depth: number;
}

/** Folder labels depth-first (superclasses above their classes), then CSV labels. */
function orderRows(labels: LabelCount[]): Row[] {
  const tree = labels.filter((l) => l.kind !== 'csv');
  const children = new Map<number | null, LabelCount[]>();
  for (const l of tree) {
    const key = l.parentId !== null && tree.some((p) => p.id === l.parentId) ? l.parentId : null;
    children.set(key, [...(children.get(key) ?? []), l]);
  }
  const rows: Row[] = [];
  const walk = (parent: number | null, depth: number) => {
    for (const l of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      rows.push({ label: l, depth });
      walk(l.id, depth + 1);
    }
  };
  walk(null, 0);
  for (const l of labels.filter((x) => x.kind === 'csv').sort((a, b) => a.name.localeCompare(b.name))) rows.push({ label: l, depth: 0 });
  return rows;
}

/** Counts per class and superclass with bars; a row click filters the image grid to that label. */
export function LabelTable({
  summary,
  selectedId,
  onSelect,
}: {
  summary: ProbeSummary;
  selectedId: number | null;
  onSelect: (l: LabelCount | null) => void;
}) {
  const rows = useMemo(() => orderRows(summary.labels), [summary.labels]);
  const max = Math.max(1, ...summary.labels.map((l) => l.images));
  const hasCsv = rows.some((r) => r.label.kind === 'csv');
  return (
    <section className="card label-table" aria-labelledby="labels-title">
      <h3 id="labels-title">Classes</h3>
      <table className="table counts" data-testid="label-table">
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col" className="num">
              Images
            </th>
            <th scope="col" className="bar-col">
              <span className="sr-only">Share</span>
            </th>
          </tr>
        </thead>
        <tbody>
          <tr
            className={`count-row${selectedId === null ? ' selected' : ''}`}
            tabIndex={0}
            onClick={() => onSelect(null)}
            onKeyDown={(e) => e.key === 'Enter' && onSelect(null)}
          >
            <td>
              <strong>All images</strong>
            </td>
            <td className="num" data-testid="class-count-all">
              {formatCount(summary.probeSet.images)}
            </td>
            <td />
          </tr>
          {rows.map(({ label, depth }, i) => (
            <tr
              key={label.id}
              className={`count-row kind-${label.kind}${selectedId === label.id ? ' selected' : ''}${hasCsv && label.kind === 'csv' && rows[i - 1]?.label.kind !== 'csv' ? ' group-start' : ''}`}
              tabIndex={0}
              aria-selected={selectedId === label.id}
              title={`${label.path} (${label.kind}) — click to show its images`}
              data-testid={`label-row-${label.name}`}
              onClick={() => onSelect(label)}
              onKeyDown={(e) => e.key === 'Enter' && onSelect(label)}
            >
              <td style={{ paddingLeft: `${0.5 + depth * 1.1}rem` }}>
                <span className="label-name">{label.name}</span>
              </td>
              <td className="num" data-testid={`${label.kind === 'csv' ? 'csv' : 'class'}-count-${label.name}`}>
                {formatCount(label.images)}
              </td>
              <td className="bar-col">
                <div className={`bar bar-${label.kind}`} style={{ width: `${(label.images / max) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="legend hint" aria-hidden="true">
        <span className="swatch bar-class" /> class <span className="swatch bar-superclass" /> superclass (folder above classes)
        {hasCsv && (
          <>
            {' '}
            <span className="swatch bar-csv" /> CSV label
          </>
        )}
      </p>
    </section>
  );
}
