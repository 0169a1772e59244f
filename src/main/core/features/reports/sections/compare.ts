import type { CompareLayer, CompareLayerRow, LabelSimilarity } from '../../../../../shared/contract';
import { barSvg } from '../../../platform/report/charts';
import { figure, html, meanSE, note, table, type Column } from '../../../platform/report/layout';
import type { ReportScope, ReportSection, SectionPage } from '../section';
import { methodName } from '../words';
import { classifierFindingPages, collectClassifierFinding, type ClassifierFindingPart } from './classifierFinding';

// Every method of the layer side by side (the LE paper's main table, on the user's model): per finished explain run
// and explanation method, the mean test correlation ± SE under each simulator and the newest ablation's Optim / Norm,
// exactly as compare.layer (and so simulate.means / ablation.results) gives them.

const MAX_ROWS = 24;

const rowName = (r: CompareLayerRow) => `run ${r.explainRunId} · ${methodName(r.method)}${r.runFile ? ` (${r.runFile})` : ''}`;

export const compareSection: ReportSection<
  CompareLayer & { labelSimilarity: LabelSimilarityPart | null; classifierFinding: ClassifierFindingPart | null }
> = {
  id: 'compare',
  title: 'All methods of this layer',
  availability: (scope) =>
    scope.otherRuns.length
      ? { available: true, reason: null, source: `compare.layer of activation set ${scope.set.id}` }
      : {
          available: false,
          reason: `this is the only finished explain run of layer ${scope.set.tensorName}: run another method (LE(SigLIP), dnd.run, clipDissect.run, labels.import) to compare.`,
          source: null,
        },
  collect: async (scope) => ({
    ...(await scope.source('compare.layer', { activationSetId: scope.set.id })),
    labelSimilarity: await collectLabelSimilarity(scope),
    classifierFinding: await collectClassifierFinding(scope),
  }),
  pages(data) {
    const rows = data.rows.slice(0, MAX_ROWS);
    const cols: Column<CompareLayerRow>[] = [
      { head: 'Run · method', wrap: true, cell: rowName, width: '30%' },
      { head: 'n', num: true, cell: (r) => r.n, width: '6%' },
      ...data.simulators.map((s) => ({
        head: `test r ± SE, ${s.id === 'label' ? 'label simulator' : s.name}`,
        num: true,
        cell: (r: CompareLayerRow) => (r.correlation[s.id] ? meanSE(r.correlation[s.id]) : '—'),
      })),
      { head: 'Optim ± SE', num: true, cell: (r) => (r.ablations[0] ? meanSE(r.ablations[0].optim) : '—') },
      { head: 'Norm ± SE', num: true, cell: (r) => (r.ablations[0] ? meanSE(r.ablations[0].norm) : '—') },
    ];
    const bars = barSvg(
      {
        groups: rows.map(rowName),
        series: data.simulators.map((s) => ({
          name: s.id === 'label' ? 'label simulator' : s.name,
          values: rows.map((r) => r.correlation[s.id]?.mean ?? null),
          errors: rows.map((r) => r.correlation[s.id]?.standardError ?? null),
        })),
        yLabel: 'mean test correlation',
        legend: true,
      },
      { width: 680, height: 260 },
    );
    return [
      {
        title: 'All methods of this layer',
        toc: 'All methods of this layer',
        body: html`<h2>All methods of this layer</h2>
          <p class="small muted">
            Every finished explain run of the layer (LE, baselines, Describe-and-Dissect, CLIP-Dissect, imported labels) and each
            explanation method in it: mean Pearson correlation ± standard error between simulated and true activation on the test split, one
            column per simulator the run was scored with; Optim / Norm: the newest finished ablation run of that explain run (test split).
          </p>
          ${table(cols, rows)}
          ${data.rows.length > MAX_ROWS ? note(`${data.rows.length - MAX_ROWS} more rows: see the Compare methods screen.`) : ''}
          ${figure('compare-methods', bars, html`<b>Mean test correlation per run and method</b>, per simulator; whiskers ± 1 SE.`)}`,
      },
      ...labelSimilarityPages(data.labelSimilarity),
      ...classifierFindingPages(data.classifierFinding),
    ];
  },
};

// ---- Label similarity (final layer): each run's label of neuron k against class k's name (compare.labelSimilarity) ----

type LabelSimilarityPart = { result: LabelSimilarity; classesFrom: string } | { error: string };

/**
 * Only for the model's final layer (neuron k = class k) of a project with an encoder or a text embedder. Class names
 * in the model's class order come from ablation.mapping (model metadata, a classes file, or inferred from the stored
 * predictions), not the folders' sorted order, which is the model's order only for an ImageFolder-trained model.
 */
async function collectLabelSimilarity(scope: ReportScope): Promise<LabelSimilarityPart | null> {
  if (!scope.model || scope.model.info.logitsOutput !== scope.set.tensorName) return null;
  const encoder = scope.encoders.find((e) => e.status === 'ok');
  const embedder = (await scope.source('describer.list', { role: 'text_embedder' })).find((d) => d.status === 'ok');
  if (!encoder && !embedder) return null;
  try {
    const mapping = await scope.source('ablation.mapping', { activationSetId: scope.set.id });
    const K = scope.set.nNeurons;
    const names = Array.from({ length: K }, (_, k) =>
      mapping.modelClasses?.length === K ? mapping.modelClasses[k] : mapping.rows.find((r) => r.modelClass === k)?.label,
    );
    if (names.some((n) => !n)) return { error: `the probe set's classes do not name all ${K} model classes (${mapping.sourceDetail})` };
    const result = await scope.source('compare.labelSimilarity', {
      activationSetId: scope.set.id,
      runIds: [scope.run.id, ...scope.otherRuns.map((r) => r.id)].slice(0, 100),
      ...(encoder ? { encoderId: encoder.id } : {}),
      ...(embedder ? { textEmbedderId: embedder.id } : {}),
      classNames: names as string[],
    });
    return { result, classesFrom: mapping.sourceDetail };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function labelSimilarityPages(part: LabelSimilarityPart | null): SectionPage[] {
  if (!part) return [];
  const title = 'Label similarity (final layer)';
  if ('error' in part)
    return [
      {
        title,
        toc: null,
        body: html`<h2>${title}</h2>
          ${note(`Label similarity was not computed: ${part.error}`)}`,
      },
    ];
  const { result } = part;
  type Row = LabelSimilarity['runs'][number];
  const cols: Column<Row>[] = [
    { head: 'Run · method', wrap: true, cell: (r) => `run ${r.runId} · ${methodName(r.method)}`, width: '36%' },
    { head: 'n', num: true, cell: (r) => r.n, width: '8%' },
    ...(result.encoder ? [{ head: `cos ± SE, ${result.encoder.name} (encoder)`, num: true, cell: (r: Row) => meanSE(r.encoder) }] : []),
    ...(result.textEmbedder
      ? [{ head: `cos ± SE, ${result.textEmbedder.name} (sentence model)`, num: true, cell: (r: Row) => meanSE(r.sentence) }]
      : []),
  ];
  return [
    {
      title,
      toc: title,
      body: html`<h2>${title}</h2>
        <p class="small muted">
          Neuron k of this layer is class k (class names: ${part.classesFrom}). Mean cosine ± standard error between each run's label of a
          neuron and its class name, under the encoder's text tower and under the sentence-embedding model. The Describe-and-Dissect paper
          (ResNet-50 on ImageNet, CLIP / all-mpnet-base-v2) reports DnD 0.760 / 0.459, MILAN 0.708 / 0.279, CLIP-Dissect 0.790 / 0.526.
        </p>
        ${table(cols, result.runs)}`,
    },
  ];
}
