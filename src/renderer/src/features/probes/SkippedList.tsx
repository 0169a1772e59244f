import { useState } from 'react';
import { formatBytes, formatCount } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { ErrorBox } from '../../components/ErrorBox';

const SHOWN = 500;

/** Files the import skipped and why (unreadable, not an image, gigantic, ...), fetched when opened. */
export function SkippedList({ probeSetId, count }: { probeSetId: number; count: number }) {
  const [open, setOpen] = useState(count <= 50);
  // Fetched once opened; kept (cached) when closed and opened again.
  const [opened, setOpened] = useState(open);
  const { data: files, error } = useContractQuery('probe.skipped', opened ? { probeSetId } : null);

  return (
    <section className="card skipped">
      <details
        open={open}
        onToggle={(e) => {
          const o = e.currentTarget.open;
          setOpen(o);
          if (o) setOpened(true);
        }}
      >
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
export function SkipReason({ reason }: { reason: string }) {
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
