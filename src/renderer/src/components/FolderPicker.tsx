import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useContractQuery } from '../lib/query';
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
  // The folder shown: the starting one once per opening (a missing or file path falls back to the home folder),
  // then wherever the user goes. Typing in the path field changes nothing until Enter / Go.
  const [dir, setDir] = useState<{ path: string | undefined; fallback: boolean }>(() => ({
    path: initialPath || undefined,
    fallback: true,
  }));
  const query = useContractQuery('fs.list', dir.path ? { path: dir.path } : {});
  const loading = query.loading;
  // The last folder listed stays shown when the next one cannot be listed (its error shows above it).
  const [listing, setListing] = useState<DirListing | null>(null);
  const [typed, setTyped] = useState(initialPath ?? '');
  const [selected, setSelected] = useState<string | null>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const error = dir.fallback ? null : query.error;

  const { refetch } = query;
  // Set once the user is in the path field (focused or typing): a listing that lands meanwhile (a slow start) must not
  // replace the text under them; a typing tool that selects the text and then inserts would otherwise append to it.
  const editing = useRef(false);
  const load = useCallback(
    (path: string | undefined) => {
      editing.current = false;
      if (path !== undefined && path === dir.path) refetch();
      else setDir({ path, fallback: false });
    },
    [dir.path, refetch],
  );

  // A starting path that is a file or missing: show the home folder instead.
  useEffect(() => {
    if (dir.fallback && query.error) setDir({ path: undefined, fallback: false });
  }, [dir.fallback, query.error]);

  // A new listing (not the previous one kept on screen while it loads) shows its path and clears the selection.
  const fresh = query.stale ? null : query.data;
  useEffect(() => {
    if (!fresh) return;
    setListing(fresh);
    if (!editing.current) setTyped(fresh.path);
    setSelected(null);
  }, [fresh]);

  useEffect(() => dialogRef.current?.focus(), []);

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
          <button
            type="button"
            disabled={!listing?.parent}
            onClick={() => listing?.parent && load(listing.parent)}
            data-testid="picker-up"
            title="Parent folder"
          >
            ↑ Up
          </button>
          <input
            value={typed}
            onFocus={() => (editing.current = true)}
            onChange={(e) => {
              editing.current = true;
              setTyped(e.target.value);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                load(typed);
              }
            }}
            aria-label="Folder path"
            data-testid="picker-path"
            spellCheck={false}
          />
          <button type="button" onClick={() => load(typed)}>
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
                  onDoubleClick={() => (e.isDir ? load(e.path) : onChoose(e.path))}
                  onKeyDown={(k) => {
                    if (k.key === 'ArrowRight' && e.isDir) load(e.path);
                    if (k.key === 'ArrowLeft' && listing?.parent) load(listing.parent);
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
            <button type="button" onClick={() => load(selected)}>
              Open folder
            </button>
          )}
          <button
            type="button"
            className="primary"
            disabled={!choice}
            data-testid="picker-choose"
            onClick={() => choice && onChoose(choice)}
          >
            {mode === 'folder' ? 'Choose this folder' : 'Choose file'}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
