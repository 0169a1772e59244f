import { useEffect, useState } from 'react';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { formatBytes, formatCount } from '../../lib/format';
import type { SkippedFile } from '../../lib/types';
import { ErrorBox } from '../../components/ErrorBox';

const SHOWN = 500;

/** Files the import skipped and why (unreadable, not an image, gigantic, ...), fetched when opened. */
export function SkippedList({ probeSetId, count }: { probeSetId: number; count: number }) {
  const { api } = useApp();
  const [open, setOpen] = useState(count <= 50);
  const [files, setFiles] = useState<SkippedFile[] | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    if (!open || files) return;
    let live = true;
    api.call('probe.skipped', { probeSetId }).then(
      (f) => live && setFiles(f),
      (e: unknown) => live && setError(toShownError(e)),
    );
    return () => {
      live = false;
    };
  }, [api, probeSetId, open, files]);

  return (
    <section className="card skipped">
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <h3>Skipped files ({formatCount(count)})</h3>
        </summary>
        <ErrorBox error={error} />
        {open && !files && !error && <p className="hint">Loading…</p>}
        {files && (
          <div className="table-scroll">
            <table className="table skipped-table" data-testid="skipped-table">
              <thead>
                <tr>
                  <th scope="col">File and reason</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                </tr>
              </thead>
              <tbody>
                {files.slice(0, SHOWN).map((f) => (
                  <tr key={f.relPath} data-testid="skipped-row">
                    <td>
                      <div className="mono skipped-path" title={f.relPath} data-testid="skipped-path">
                        {f.relPath}
                      </div>
                      <SkipReason reason={f.reason} />
                    </td>
                    <td className="num">{formatBytes(f.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {files.length > SHOWN && <p className="hint">and {formatCount(files.length - SHOWN)} more (the CLI lists them all).</p>}
          </div>
        )}
      </details>
    </section>
  );
}

/** Reasons are stored as "<code>: <sentence>" (stable code first); show the code as a tag. */
function SkipReason({ reason }: { reason: string }) {
  const m = /^([a-z_]+): (.*)$/s.exec(reason);
  return (
    <div className="skipped-reason" data-testid="skipped-reason" data-code={m?.[1]}>
      {m ? (
        <>
          <span className="badge badge-warn skip-code">{m[1].replace(/_/g, ' ')}</span> {m[2]}
        </>
      ) : (
        reason
      )}
    </div>
  );
}
