import { useState } from 'react';
import type { ExplainRunInfo } from '../../../../shared/contract';
import { METHOD_LABEL } from '../../../../shared/methodNames';
import { ExportToPath } from '../../components/ExportToPath';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { dirOf, formatDate, joinPath } from '../../lib/format';
import { useContractMutation, useContractQuery } from '../../lib/query';
import { router } from '../../routes';

type Format = 'labels' | 'candidates' | 'descriptions';

const FORMATS: Record<'dnd' | 'clip_dissect', Array<{ id: Format; text: string; file: string }>> = {
  dnd: [
    { id: 'labels', text: 'labels (Neuron ID, Label 1, Label 2, Label 3)', file: 'labels' },
    { id: 'candidates', text: 'candidates (Neuron ID, Concept 0..4)', file: 'candidates' },
  ],
  clip_dissect: [{ id: 'descriptions', text: 'descriptions.csv (layer, unit, description, similarity)', file: 'descriptions' }],
};

/** What a run was made with, in a few words: the stages a DnD run switched off, CLIP-Dissect's variant. */
function settingsText(run: ExplainRunInfo): string {
  const p = run.params;
  const imported = p.imported as { path?: string } | undefined;
  if (imported?.path) return `imported from ${imported.path.split(/[\\/]/).pop()}`;
  if (run.method === 'clip_dissect') return `${String(p.variant ?? 'soft_wpmi').replace('_', '-')} · ${run.concepts} concepts`;
  const off = [
    p.cropsPerImage === 0 && 'no crops',
    p.captioning === 'concepts' && 'CLIP captioning',
    p.simplify === true && 'simplified captions',
    p.summarise === false && 'no summary',
    p.select === false && 'no selection',
  ].filter(Boolean);
  return `${off.length ? off.join(', ') : 'full method'} · seed ${String(p.seed ?? 0)}`;
}

/** Write one run in the reference format: a path on the backend's machine, never replacing a file without asking. */
function ExportRun({ run }: { run: ExplainRunInfo }) {
  const { project } = useApp();
  const call = useContractMutation('dissect.export', { changes: 'nothing' });
  const formats = FORMATS[run.method === 'clip_dissect' ? 'clip_dissect' : 'dnd'];
  const [format, setFormat] = useState<Format>(formats[0].id);
  const fileName = (f: Format) => `${run.method}_run${run.id}_${formats.find((x) => x.id === f)?.file ?? f}.csv`;
  const [path, setPath] = useState(() => joinPath(dirOf(project?.path ?? '/tmp/x'), fileName(formats[0].id)));
  return (
    <ExportToPath
      title={`Export run #${run.id} (${METHOD_LABEL[run.method] ?? run.method})`}
      path={path}
      setPath={setPath}
      write={(to, overwrite) => call.run({ runId: run.id, format, path: to, overwrite })}
      busy={call.busy}
      testId="dissect-export"
      dataId={run.id}
      controls={
        <select
          value={format}
          onChange={(e) => {
            const f = e.target.value as Format;
            setFormat(f);
            setPath(joinPath(dirOf(path), fileName(f)));
          }}
          aria-label="Export format"
          data-testid="dissect-export-format"
        >
          {formats.map((f) => (
            <option key={f.id} value={f.id}>
              {f.text}
            </option>
          ))}
        </select>
      }
    />
  );
}

/** The layer's Describe-and-Dissect and CLIP-Dissect runs, newest first: results table, export. */
export function DissectRuns({ setId }: { setId: number }) {
  const runs = useContractQuery('explain.runs', {});
  const mine = (runs.data ?? []).filter((r) => r.activationSetId === setId && (r.method === 'dnd' || r.method === 'clip_dissect'));
  const [exporting, setExporting] = useState<number | null>(null);
  const exportRun = mine.find((r) => r.id === exporting);
  return (
    <section className="card stack" data-testid="dissect-runs">
      <h3>Runs of this layer</h3>
      <ErrorBox error={runs.error} />
      {runs.data && mine.length === 0 && <p className="hint">No Describe-and-Dissect or CLIP-Dissect run of this layer yet.</p>}
      {mine.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Method</th>
              <th>Settings</th>
              <th title="neurons done / asked for (dead ones get no label)">Neurons</th>
              <th>Status</th>
              <th>Started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mine.map((r) => (
              <tr key={r.id} data-testid="dissect-run" data-run={r.id} data-method={r.method} data-status={r.status}>
                <td className="mono">#{r.id}</td>
                <td>{METHOD_LABEL[r.method] ?? r.method}</td>
                <td className="hint">{settingsText(r)}</td>
                <td>
                  {r.neuronsDone} / {r.neuronsTotal}
                  {r.dead > 0 && <span className="hint"> ({r.dead} dead)</span>}
                </td>
                <td>{r.status}</td>
                <td className="hint">{formatDate(r.createdAt)}</td>
                <td>
                  <div className="inline-field">
                    <a href={router.href({ screen: 'explanations', view: 'run', runId: r.id })} data-testid="dissect-run-open">
                      Results table
                    </a>
                    <button
                      type="button"
                      className="link"
                      aria-expanded={exporting === r.id}
                      onClick={() => setExporting(exporting === r.id ? null : r.id)}
                      data-testid="dissect-run-export"
                    >
                      Export…
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {exportRun && <ExportRun key={exportRun.id} run={exportRun} />}
      <p className="hint">
        Exports are written by the backend: in browser mode, type a path on the machine that runs it. An existing file is replaced only
        after you confirm.
      </p>
    </section>
  );
}
