import type { ReactNode } from 'react';

/** The side list of a screen's runs: a "+ New" entry for its wizard, then one button per run. */
export function RunSidebar<R extends { id: number; status: string }>({
  title,
  ariaLabel,
  newLabel,
  newTestId,
  itemTestId,
  runs,
  wizardActive,
  selectedId,
  onSelect,
  onNew,
  itemData,
  children,
}: {
  title: string;
  ariaLabel: string;
  newLabel: string;
  newTestId: string;
  itemTestId: string;
  runs: R[] | null;
  wizardActive: boolean;
  selectedId: number | null;
  onSelect: (id: number) => void;
  onNew: () => void;
  /** Extra data-* attributes of a run's button (for tests). */
  itemData?: (r: R) => Record<string, string | number>;
  /** The content of a run's button. */
  children: (r: R) => ReactNode;
}) {
  return (
    <aside className="split-side" aria-label={ariaLabel}>
      <div className="side-head">
        <h1>{title}</h1>
      </div>
      <button type="button" className={`side-item add${wizardActive ? ' active' : ''}`} onClick={onNew} data-testid={newTestId}>
        {newLabel}
      </button>
      {runs === null && <p className="hint">Loading…</p>}
      {runs?.map((r) => (
        <button
          key={r.id}
          type="button"
          className={`side-item${selectedId === r.id ? ' active' : ''}`}
          onClick={() => onSelect(r.id)}
          data-testid={itemTestId}
          data-id={r.id}
          data-status={r.status}
          {...Object.fromEntries(Object.entries(itemData?.(r) ?? {}).map(([k, v]) => [`data-${k}`, v]))}
        >
          {children(r)}
        </button>
      ))}
    </aside>
  );
}
