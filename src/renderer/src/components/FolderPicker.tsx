import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useApp } from '../lib/appContext';
import { toShownError, type ShownError } from '../lib/errors';
import type { DirListing } from '../lib/types';
import { ErrorBox } from './ErrorBox';

export type PickerMode = 'folder' | 'file';

/**
 * Browser-mode stand-in for a native dialog: browses folders on the machine that runs the backend
 * (fs.list). 'folder' chooses a folder; 'file' chooses a file whose name ends with one of `extensions`.
 */
export function FolderPicker({
  mode,
  title,
  initialPath,
  extensions = [],
  onChoose,
  onClose,
}: {
  mode: PickerMode;
  title: string;
  initialPath?: string;
  extensions?: string[];
  onChoose: (path: string) => void;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [listing, setListing] = useState<DirListing | null>(null);
  const [typed, setTyped] = useState(initialPath ?? '');
  const [error, setError] = useState<ShownError | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (path: string | undefined, fallback = false) => {
      // Only the newest request may update the view (a slow first listing must not replace a typed path).
      const seq = ++latest.current;
      setLoading(true);
      try {
        const l = await api.call('fs.list', path ? { path } : {});
        if (seq !== latest.current) return;
        setListing(l);
        setTyped(l.path);
        setSelected(null);
        setError(null);
      } catch (e) {
        if (seq !== latest.current) return;
        // A starting path that is a file or missing: show the home folder instead.
        if (fallback) await load(undefined);
        else setError(toShownError(e));
      } finally {
        if (seq === latest.current) setLoading(false);
      }
    },
    [api],
  );

  // The starting folder is listed once per opening: a re-render (a toast, a new context value) must not list it
  // again and replace the folder the user has typed or browsed to meanwhile.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void load(initialPath || undefined, true);
    dialogRef.current?.focus();
  }, [load, initialPath]);

  const matches = (name: string) => extensions.length === 0 || extensions.some((x) => name.toLowerCase().endsWith(x.toLowerCase()));
  const entries = (listing?.entries ?? []).filter((e) => e.isDir || mode === 'file');
  const choice = mode === 'folder' ? (selected ?? listing?.path ?? null) : selected;

  // A portal: the picker often opens from inside a form, and forms must not nest.
  return createPortal(
    <div className="modal-backdrop" onClick={onClose}>
      <div
        ref={dialogRef}
        tabIndex={-1}
        className="modal picker"
        role="dialog"
        aria-modal="true"
        aria-labelledby="picker-title"
        data-testid="folder-picker"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          e.stopPropagation(); // keys typed here must not reach the page's shortcuts or forms
          if (e.key === 'Escape') onClose();
        }}
      >
        <h2 id="picker-title">{title}</h2>
        <p className="hint">Folders on the machine running the workbench backend.</p>
        <div className="picker-path">
          <button type="button" disabled={!listing?.parent} onClick={() => listing?.parent && void load(listing.parent)} data-testid="picker-up" title="Parent folder">
            ↑ Up
          </button>
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void load(typed);
              }
            }}
            aria-label="Folder path"
            data-testid="picker-path"
            spellCheck={false}
          />
          <button type="button" onClick={() => void load(typed)}>
            Go
          </button>
        </div>
        <ErrorBox error={error} />
        <ul className="picker-list" aria-busy={loading} data-testid="picker-list">
          {entries.length === 0 && !loading && <li className="picker-empty">{mode === 'folder' ? 'No sub-folders.' : 'Empty folder.'}</li>}
          {entries.map((e) => {
            const usable = e.isDir || matches(e.name);
            return (
              <li key={e.path}>
                <button
                  type="button"
                  className={`picker-entry${selected === e.path ? ' selected' : ''}${usable ? '' : ' muted'}`}
                  disabled={!usable}
                  data-testid={`picker-entry-${e.name}`}
                  title={e.isDir ? 'Click to select, double-click to open' : e.path}
                  onClick={() => setSelected(e.path)}
                  onDoubleClick={() => (e.isDir ? void load(e.path) : onChoose(e.path))}
                  onKeyDown={(k) => {
                    if (k.key === 'ArrowRight' && e.isDir) void load(e.path);
                    if (k.key === 'ArrowLeft' && listing?.parent) void load(listing.parent);
                  }}
                >
                  <span className={`icon ${e.isDir ? 'icon-folder' : 'icon-file'}`} aria-hidden="true" />
                  {e.name}
                </button>
              </li>
            );
          })}
        </ul>
        <div className="modal-actions">
          <span className="picker-choice" title={choice ?? ''}>
            {choice ?? (mode === 'file' ? 'Select a file' : '')}
          </span>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {mode === 'folder' && selected && (
            <button type="button" onClick={() => void load(selected)}>
              Open folder
            </button>
          )}
          <button type="button" className="primary" disabled={!choice} data-testid="picker-choose" onClick={() => choice && onChoose(choice)}>
            {mode === 'folder' ? 'Choose this folder' : 'Choose file'}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
