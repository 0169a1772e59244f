import { useEffect, useRef } from 'react';
import type { NavItem } from '../nav';

const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl';

/** The `?` sheet: every keyboard shortcut, generated partly from the navigation table. */
export function ShortcutSheet({ items, onClose }: { items: readonly NavItem[]; onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  const rows: [string, string][] = [
    [`${MOD}+O`, 'Open a project (focuses the path field)'],
    [`${MOD}+G`, 'Jump to a unit: type layer:unit or a unit number, pick model / layer / unit, recent units, bookmarks'],
    ['← →', 'Previous / next unit of the layer (on a unit page)'],
    ...items.slice(0, 9).map((n, i): [string, string] => [`Alt+${i + 1}`, `Go to ${n.label}`]),
    ['?', 'Show or hide this sheet'],
    ['Esc', 'Close dialogs and this sheet'],
    ['Enter', 'Activate the focused row (e.g. filter by a class)'],
  ];
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="sheet-title"
        data-testid="shortcut-sheet"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="sheet-title">Keyboard shortcuts</h2>
        <table className="table shortcuts">
          <tbody>
            {rows.map(([key, what]) => (
              <tr key={key}>
                <td>
                  <kbd>{key}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="modal-actions">
          <button ref={closeRef} type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
