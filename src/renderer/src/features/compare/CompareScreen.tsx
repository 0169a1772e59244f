import { useCallback } from 'react';
import type { ActivationSetInfo } from '../../../../shared/contract';
import { methodLabel } from '../../../../shared/methodNames';
import { ErrorBox } from '../../components/ErrorBox';
import { useLayers } from '../../components/LayerPicker';
import { useApp } from '../../lib/appContext';
import { formatCount } from '../../lib/format';
import { useContractQuery } from '../../lib/query';
import { router, useScreenRoute } from '../../routes';
import { ClassifierFindingPanel } from './ClassifierFindingPanel';
import { CompareChart } from './CompareChart';
import { LabelSimilarityPanel } from './LabelSimilarityPanel';
import { LabelsImport } from './LabelsImport';
import { RatingsSummary } from './RatingsSummary';
import { meanSE, rowLabel, runLabel } from './rows';

/**
 * Compare methods (the LE paper's main table on the user's model): pick a layer; every finished explain run of it
 * (LE, LE(SigLIP), DnD, CLIP-Dissect, imports) and every explanation method in it, with its mean test correlation
 * ± SE under each simulator it was scored with and its Optim / Norm ablation means. The numbers are those of each
 * run's own screens (compare.layer reads simulate.means and ablation.results).
 */
export function CompareScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('compare');
  const open = useCallback((setId: number, opts?: { replace: boolean }) => navigate({ screen: 'compare', setId }, opts), [navigate]);
  // #/compare opens the first complete layer.
  const { set, layerName, picker } = useLayers(route.setId, open, { testId: 'compare-layer' });

  return (
    <div className="stack" data-testid="compare-screen" data-set={set?.id ?? ''}>
      <section className="card stack">
        <h1>Compare methods</h1>
        <p className="hint">
          Every method&apos;s explanations of a layer scored the same way: mean test correlation ± standard error under each simulator, and
          Optim / Norm ablation scores where an ablation run exists. Score a run under another simulator on its results screen, or ablate it
          on the Ablation screen, and it gets a column here.
        </p>
        {picker}
      </section>
      {set && (
        <>
          <CompareLayerView set={set} layer={layerName(set)} />
          <LabelsImport set={set} />
          <ClassifierFindingPanel set={set} layer={layerName(set)} />
          <LabelSimilarityPanel set={set} layer={layerName(set)} />
          <RatingsSummary set={set} />
        </>
      )}
    </div>
  );
}

function CompareLayerView({ set, layer }: { set: ActivationSetInfo; layer: string }) {
  const q = useContractQuery('compare.layer', { activationSetId: set.id });
  const table = q.data;
  if (!table) return <ErrorBox error={q.error} />;
  if (table.rows.length === 0)
    return (
      <section className="card">
        <p className="hint" data-testid="compare-empty">
          No finished explain run of this layer yet: explain it on the Explanations or Describe-and-Dissect screen.
        </p>
      </section>
    );
  return (
    <section className="card stack">
      <ErrorBox error={q.error} />
      <h2>Methods of {layer}</h2>
      <div style={{ overflowX: 'auto' }}>
        <table className="table" data-testid="compare-table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Method</th>
              <th title="Neurons scored (the largest n over the simulators)">n</th>
              {table.simulators.map((s) => (
                <th key={s.id} title={`Mean test correlation ± SE under the ${s.name} (test split)`}>
                  test r ± SE · {s.name}
                </th>
              ))}
              <th title="Ablation Optim score, mean ± SE over the test split (newest finished ablation run)">Optim ± SE</th>
              <th title="Ablation Norm score, mean ± SE over the test split (newest finished ablation run)">Norm ± SE</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r) => {
              const abl = r.ablations[0];
              const ablWhere = abl ? `ablation run #${abl.ablationRunId}, ${abl.simulatorName}, test split, n = ${abl.optim.n}` : '';
              return (
                <tr key={`${r.explainRunId}-${r.method}`} data-testid="compare-row" data-run={r.explainRunId} data-method={r.method}>
                  <td>
                    <a
                      href={router.href({ screen: 'explanations', view: 'run', runId: r.explainRunId })}
                      title="Open this run's results table"
                    >
                      {runLabel(r)}
                    </a>
                  </td>
                  <td>{methodLabel(r.method)}</td>
                  <td>{formatCount(r.n)}</td>
                  {table.simulators.map((s) => {
                    const c = r.correlation[s.id];
                    return (
                      <td
                        key={s.id}
                        className="num"
                        data-simulator={s.id}
                        title={c ? `${rowLabel(r)} · ${s.name} · test split · n = ${c.n}` : `Not scored under the ${s.name}`}
                      >
                        {meanSE(c)}
                      </td>
                    );
                  })}
                  <td className="num" title={abl ? `Optim · ${rowLabel(r)} · ${ablWhere}` : 'No finished ablation run'}>
                    {meanSE(abl?.optim)}
                  </td>
                  <td className="num" title={abl ? `Norm · ${rowLabel(r)} · ${ablWhere}` : 'No finished ablation run'}>
                    {meanSE(abl?.norm)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="hint">
        Test split of each run. Hover a number for its run, simulator and n. Standard error: sample SD / √n over the run&apos;s scored
        neurons.
      </p>
      <CompareChart table={table} layer={layer} />
    </section>
  );
}
