import { ConfirmReplace } from '../../components/ConfirmReplace';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ReportFormat, ReportSpecInput } from '../../../../shared/contract/reports';
import { ErrorBox } from '../../components/ErrorBox';
import { PathField } from '../../components/PathField';
import { ProgressBar } from '../../components/ProgressBar';
import { useApp, type ToastInput } from '../../lib/appContext';
import type { In } from '../../lib/contract';
import { dirOf, formatBytes, formatCount, joinPath } from '../../lib/format';
import { jobKey, useJob, useJobStore, type RunState } from '../jobs';

// Export: PDF / HTML / JSON to a path on the backend's machine, as a job (progress, Cancel) of the one job store.
// An existing file is replaced only after the user confirms; when no Chromium can print the PDF, the error offers
// the same report as HTML (same path, .html) and a field for the browser to print with.

type ExportInput = In<'report.export'>;

const FORMATS: { id: ReportFormat; label: string; ext: string }[] = [
  { id: 'pdf', label: 'PDF (A4 pages, printed by Chromium)', ext: 'pdf' },
  { id: 'html', label: 'HTML (one self-contained file)', ext: 'html' },
  { id: 'json', label: 'JSON (report data, with the results CSV)', ext: 'json' },
];

function withExt(path: string, ext: string): string {
  return /\.(pdf|html?|json)$/i.test(path) ? path.replace(/\.(pdf|html?|json)$/i, `.${ext}`) : `${path}.${ext}`;
}

function offersHtml(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { offerHtml?: unknown }).offerHtml === true;
}

/** Export panels on screen: while one is, it shows how the export ended itself (no toast over the preview). */
let panelsShown = 0;

/** The toast when an export ends, for a user who has left the Report screen meanwhile. */
function exportToast(run: RunState<'report.export'>): ToastInput | null {
  if (panelsShown > 0) return null;
  if (run.status === 'done' && run.output)
    return {
      kind: 'success',
      title: 'Report written',
      message: `${formatCount(run.output.pages)} pages, ${formatBytes(run.output.bytes)}: ${run.output.path}`,
    };
  if (run.status === 'failed' && run.error) {
    if (run.error.code === 'file_exists' || offersHtml(run.error.data)) return null;
    return { kind: 'error', title: 'Report export failed', message: run.error.message, hint: run.error.hint };
  }
  if (run.status === 'cancelled') return { kind: 'info', title: 'Report export cancelled', message: 'Start it again to write the file.' };
  if (run.status === 'interrupted')
    return { kind: 'error', title: 'Report export interrupted', message: 'The connection to the backend closed while it ran.' };
  return null;
}

export function ReportExport({ runId, spec, blocked }: { runId: number; spec: ReportSpecInput | null; blocked: string | null }) {
  const { project } = useApp();
  const store = useJobStore();
  const key = jobKey('report.export', project?.path, runId);
  const job = useJob(key);
  const [format, setFormat] = useState<ReportFormat>('pdf');
  const [path, setPath] = useState(() => joinPath(dirOf(project?.path ?? '/tmp/x'), `report_run${runId}.pdf`));
  const [chromium, setChromium] = useState('');
  const [showPrinter, setShowPrinter] = useState(false);
  /** The export the backend refused because its file exists: the user confirms replacing it. */
  const [confirm, setConfirm] = useState<ExportInput | null>(null);
  /** A PDF export that found no browser to print with: offer HTML instead. */
  const [offer, setOffer] = useState<{ input: ExportInput; message: string } | null>(null);
  const chromiumRef = useRef<HTMLInputElement>(null);
  const running = job?.status === 'running';
  useEffect(() => {
    panelsShown++;
    return () => {
      panelsShown--;
    };
  }, []);
  // How the export ended is shown below the form: bring it into view (the choices above can be long).
  const outcomeRef = useRef<HTMLDivElement>(null);
  const outcome = job?.status === 'running' ? null : `${job?.endedAt ?? ''}:${confirm ? 'c' : ''}${offer ? 'o' : ''}`;
  const seenOutcome = useRef(outcome);
  useEffect(() => {
    if (outcome === seenOutcome.current) return; // what was there when the screen opened stays where it is
    seenOutcome.current = outcome;
    if (outcome && job?.endedAt) outcomeRef.current?.scrollIntoView({ block: 'nearest' });
  }, [outcome, job?.endedAt]);

  async function run(input: ExportInput) {
    store.dismiss(key);
    setConfirm(null);
    setOffer(null);
    const label = FORMATS.find((f) => f.id === input.format)?.id.toUpperCase() ?? input.format;
    const out = await store.start(key, `Report of run #${runId} (${label})`, 'report.export', input, { toast: exportToast });
    if (out) return;
    const ended = store.get(key);
    if (ended?.status !== 'failed' || !ended.error) return;
    if (ended.error.code === 'file_exists') setConfirm(input);
    else if (offersHtml(ended.error.data)) {
      setOffer({ input, message: ended.error.message });
      setShowPrinter(true);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!spec || !path.trim()) return;
    const c = chromium.trim();
    void run({ ...spec, format, path: path.trim(), overwrite: false, ...(format === 'pdf' && c ? { chromium: c } : {}) });
  }

  function htmlInstead() {
    if (!offer) return;
    const { chromium: _unused, ...rest } = offer.input;
    const htmlPath = withExt(offer.input.path, 'html');
    setFormat('html');
    setPath(htmlPath);
    void run({ ...rest, format: 'html', path: htmlPath, overwrite: false });
  }

  function retryPdf() {
    if (!offer) return;
    const c = chromium.trim();
    const { chromium: _unused, ...rest } = offer.input;
    void run({ ...rest, ...(c ? { chromium: c } : {}) });
  }

  // The run's error, unless the panel explains it itself (confirm / offer) or it is from an export no longer shown.
  const failed = job?.status === 'failed' && job.error && !confirm && !offer ? job.error : null;
  const result = job?.status === 'done' ? job.output : null;
  const formatLabel = format.toUpperCase();

  return (
    <section className="card report-export" aria-labelledby="report-export-title" data-testid="report-export">
      <h3 id="report-export-title">Export</h3>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="report-format">Format</label>
          <select
            id="report-format"
            value={format}
            onChange={(e) => {
              const f = FORMATS.find((x) => x.id === e.target.value) ?? FORMATS[0];
              setFormat(f.id);
              setPath((p) => withExt(p, f.ext));
            }}
            data-testid="report-format"
          >
            {FORMATS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <PathField
          id="report-path"
          label="Save to (a path on the machine running the backend)"
          value={path}
          onChange={setPath}
          kind="save"
          defaultName={`report_run${runId}.${format}`}
          testId="report-path"
          required
        />
        {format === 'pdf' && (
          <details
            className="report-printer"
            open={showPrinter}
            data-testid="report-printer"
            onToggle={(e) => setShowPrinter(e.currentTarget.open)}
          >
            <summary>PDF printer</summary>
            <PathField
              id="report-chromium"
              label="Chrome, Chromium or Edge executable (optional)"
              value={chromium}
              onChange={setChromium}
              kind="file"
              placeholder="default: NWB_CHROMIUM, then the usual install paths"
              testId="report-chromium"
              inputRef={chromiumRef}
            />
            <p className="hint">The desktop app prints with its own Chromium; browser mode asks the backend to start one.</p>
          </details>
        )}
        {format === 'json' && <p className="hint">Writes the report's data as JSON and the results CSV it summarises next to it.</p>}
        <div className="actions report-export-actions">
          {blocked && <span className="hint">{blocked}</span>}
          <button
            type="submit"
            className="primary"
            disabled={!spec || !path.trim() || running}
            title={spec ? `Write the report as ${formatLabel}` : (blocked ?? undefined)}
            data-testid="report-export-submit"
          >
            Export {formatLabel}
          </button>
        </div>
      </form>

      {running && (
        <div className="job-progress" data-testid="report-export-status" data-status="running">
          <ProgressBar
            done={job.progress?.done ?? 0}
            total={job.progress?.total ?? 0}
            etaSeconds={job.progress?.etaSeconds}
            message={job.progress?.message}
            testId="report-export-progress"
          />
          <button type="button" className="danger" onClick={() => store.cancel(key)} data-testid="report-export-cancel">
            Cancel
          </button>
        </div>
      )}
      {job?.status === 'cancelled' && (
        <p className="warn-text" data-testid="report-export-status" data-status="cancelled">
          Export cancelled: start it again to write the file.
        </p>
      )}

      <div ref={outcomeRef}>
        {confirm && (
          <ConfirmReplace
            path={confirm.path}
            onReplace={() => void run({ ...confirm, overwrite: true })}
            onKeep={() => setConfirm(null)}
            testId="report-confirm-replace"
          />
        )}

        {offer && (
          <div className="error-box" role="alert" data-testid="report-offer-html">
            <strong>No browser to print the PDF with</strong>
            <p>{offer.message}</p>
            <p className="hint">
              The HTML file is the same report (same pages, charts and images); open it in any browser and print it to PDF there. Or give
              the path of a Chrome, Chromium or Edge executable above and try again.
            </p>
            <div className="actions">
              <button type="button" onClick={retryPdf} disabled={!chromium.trim()} data-testid="report-retry-pdf">
                Try PDF again with that browser
              </button>
              <button type="button" className="primary" onClick={htmlInstead} data-testid="report-export-html-instead">
                Export HTML instead
              </button>
            </div>
          </div>
        )}

        <ErrorBox error={failed} testId="report-export-error" />

        {result && (
          <div className="report-result" role="status" data-testid="report-result" data-format={result.format}>
            <p className="ok-text">
              <strong>Report written</strong> ({result.format.toUpperCase()}, {result.seconds.toFixed(1)} s)
            </p>
            <dl className="facts report-facts">
              <dt>File</dt>
              <dd className="mono" data-testid="report-result-path">
                {result.path}
              </dd>
              <dt>Pages</dt>
              <dd data-testid="report-result-pages">{formatCount(result.pages)}</dd>
              <dt>Neuron pages</dt>
              <dd>{formatCount(result.neurons)}</dd>
              <dt>Size</dt>
              <dd data-testid="report-result-bytes" data-value={result.bytes}>
                {formatBytes(result.bytes)}
              </dd>
              {result.printer && (
                <>
                  <dt>Printed by</dt>
                  <dd className="mono" data-testid="report-result-printer">
                    {result.printer === 'electron' ? 'the desktop app (Electron)' : result.printer}
                  </dd>
                </>
              )}
              {result.files.length > 1 && (
                <>
                  <dt>Also written</dt>
                  <dd className="mono">{result.files.filter((f) => f !== result.path).join(', ')}</dd>
                </>
              )}
            </dl>
          </div>
        )}
      </div>
    </section>
  );
}
