import { ConfirmReplace } from './ConfirmReplace';
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { useApp } from '../lib/appContext';
import { toShownError, type ShownError } from '../lib/errors';
import { buildFigureSvg, figurePngBase64, fileStem, type FigureCaption } from '../lib/figure';
import { dirOf, formatBytes, joinPath } from '../lib/format';
import { useContractMutation } from '../lib/query';
import { ErrorBox } from './ErrorBox';
import { PathField } from './PathField';

export type { FigureCaption } from '../lib/figure';

type Format = 'svg' | 'png';

/** Where the last figure went: the next one is offered in the same folder. */
const LAST_DIR_KEY = 'nwb:figure-dir';

function lastDir(fallback: string): string {
  try {
    return localStorage.getItem(LAST_DIR_KEY) || fallback;
  } catch {
    return fallback;
  }
}

function rememberDir(path: string): void {
  try {
    localStorage.setItem(LAST_DIR_KEY, dirOf(path));
  } catch {
    // private mode: the next export starts in the project folder again
  }
}

/**
 * A chart that can be saved as a figure: its heading (with an Export button beside it) and the chart. Export
 * (or a right-click on the chart; Shift+right-click keeps the browser's own menu) offers SVG or PNG; the file
 * carries `caption` (what the chart shows, of which run / neuron / simulator / split) above the plot. `name`
 * is the suggested file name without extension, e.g. "neuron-42-histogram".
 */
export function Figure({
  name,
  label,
  caption,
  heading,
  children,
}: {
  name: string;
  /** The chart's accessible name (the plot is an image to assistive technology; the Export menu is not). */
  label: string;
  caption: FigureCaption;
  heading?: ReactNode;
  children: ReactNode;
}) {
  const { project } = useApp();
  const save = useContractMutation('figure.save', { changes: 'nothing' });
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const pathId = useId();
  /** The open menu and where: under the button, or at the pointer of a right-click (relative to the figure). */
  const [menu, setMenu] = useState<{ x: number; y: number } | 'button' | null>(null);
  const [format, setFormat] = useState<Format | null>(null);
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  /** The path the backend said exists: the user confirms replacing it (figures never replace silently). */
  const [confirmReplace, setConfirmReplace] = useState<string | null>(null);
  const stem = fileStem(name);

  // The menu closes on a click elsewhere; it takes focus when it opens.
  useEffect(() => {
    if (!menu) return;
    menuRef.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    const close = (e: PointerEvent) => {
      if (!menuRef.current?.contains(e.target as Node) && !buttonRef.current?.contains(e.target as Node)) setMenu(null);
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, [menu]);

  function openAt(e: MouseEvent) {
    // The save form's fields keep the browser's menu (paste a path).
    if (e.shiftKey || !rootRef.current || (e.target as Element).closest('.figure-save')) return;
    e.preventDefault();
    const r = rootRef.current.getBoundingClientRect();
    setMenu({ x: Math.round(Math.max(0, Math.min(e.clientX - r.left, r.width - 200))), y: Math.round(e.clientY - r.top) });
  }

  function choose(f: Format) {
    setMenu(null);
    setFormat(f);
    setError(null);
    setDone(null);
    setConfirmReplace(null);
    setPath((p) =>
      p && format ? p.replace(/\.(svg|png)$/i, `.${f}`) : joinPath(lastDir(dirOf(project?.path ?? '/tmp/x')), `${stem}.${f}`),
    );
  }

  function menuKeys(e: KeyboardEvent) {
    const items = Array.from(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? []);
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      setMenu(null);
      buttonRef.current?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
    }
  }

  async function submit(e: FormEvent | null, overwrite = false) {
    e?.preventDefault();
    const root = rootRef.current;
    const target = path.trim();
    if (!root || !format || !target) return;
    setBusy(true);
    setError(null);
    setDone(null);
    setConfirmReplace(null);
    try {
      const fig = buildFigureSvg(root, caption);
      if (!fig) throw new Error('The chart has not been drawn yet.');
      const content = format === 'svg' ? fig.markup : await figurePngBase64(fig, 2);
      const r = await save.run({ format, content, path: target, overwrite });
      rememberDir(r.path);
      setDone(`Saved ${format.toUpperCase()} (${formatBytes(r.bytes)}) to ${r.path}.`);
    } catch (err) {
      const shown = toShownError(err);
      if (shown.code === 'file_exists') setConfirmReplace(target);
      else setError(shown);
    } finally {
      setBusy(false);
    }
  }

  const menuStyle = menu && menu !== 'button' ? { left: menu.x, top: menu.y } : undefined;
  return (
    <div className="figure" ref={rootRef} onContextMenu={openAt} data-testid="figure" data-figure={stem}>
      <div className="figure-head">
        {heading ?? <span />}
        <button
          ref={buttonRef}
          type="button"
          className="small figure-export"
          aria-haspopup="menu"
          aria-expanded={!!menu}
          title="Save this chart as an SVG or PNG figure with its caption (or right-click the chart)"
          onClick={() => setMenu((m) => (m ? null : 'button'))}
          data-testid="figure-export"
        >
          Export ▾
        </button>
      </div>
      {menu && (
        <div
          ref={menuRef}
          className={`figure-menu${menu === 'button' ? ' at-button' : ''}`}
          style={menuStyle}
          role="menu"
          aria-label="Save figure"
          onKeyDown={menuKeys}
          onContextMenu={(e) => e.stopPropagation()}
          data-testid="figure-menu"
          data-opened-by={menu === 'button' ? 'button' : 'contextmenu'}
        >
          <button type="button" role="menuitem" onClick={() => choose('svg')} data-testid="figure-menu-svg">
            Save as SVG…
          </button>
          <button type="button" role="menuitem" onClick={() => choose('png')} data-testid="figure-menu-png">
            Save as PNG (2×)…
          </button>
        </div>
      )}
      <div className="figure-plot" role="img" aria-label={label}>
        {children}
      </div>
      {format && (
        <form className="figure-save" onSubmit={(e) => void submit(e)} data-testid="figure-save-form" data-format={format}>
          <div className="inline-field wrap">
            <select
              value={format}
              onChange={(e) => choose(e.target.value === 'png' ? 'png' : 'svg')}
              aria-label="Figure format"
              data-testid="figure-format"
            >
              <option value="svg">SVG (vector)</option>
              <option value="png">PNG (2× pixels)</option>
            </select>
          </div>
          <PathField
            id={pathId}
            label="Save the figure to"
            value={path}
            onChange={setPath}
            kind="save"
            defaultName={`${stem}.${format}`}
            testId="figure-path"
          />
          <div className="inline-field wrap">
            <button type="submit" className="primary" disabled={busy || !path.trim()} data-testid="figure-save">
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setFormat(null)} data-testid="figure-close">
              {done ? 'Close' : 'Cancel'}
            </button>
          </div>
          {confirmReplace && (
            <ConfirmReplace
              path={confirmReplace}
              onReplace={() => void submit(null, true)}
              onKeep={() => setConfirmReplace(null)}
              testId="figure-confirm-replace"
            />
          )}
          {done && (
            <p className="ok-text" data-testid="figure-done">
              {done}
            </p>
          )}
          <ErrorBox error={error} testId="figure-error" />
        </form>
      )}
    </div>
  );
}
