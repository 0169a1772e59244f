import type { ClassifierFinding } from '../../../../../shared/contract';
import { barSvg } from '../../../platform/report/charts';
import { figure, html, meanSE, note, table, type Column } from '../../../platform/report/layout';
import type { ReportScope, SectionPage } from '../section';
import { methodName } from '../words';

// "Find a classifier for a new concept" in the compare section: when the project has the report's layer extracted on
// a second probe set too (other images, class folders) and an encoder, every finished run of the layer is evaluated
// on it, as compare.classifierFinding does on the Compare methods screen.

export type ClassifierFindingPart = { result: ClassifierFinding; probe: string } | { error: string };

export async function collectClassifierFinding(scope: ReportScope): Promise<ClassifierFindingPart | null> {
  const encoder = scope.encoders.find((e) => e.status === 'ok');
  if (!encoder) return null;
  const second = (await scope.source('activations.list', {})).find(
    (s) => s.complete && s.modelId === scope.set.modelId && s.tensorName === scope.set.tensorName && s.probeSetId !== scope.set.probeSetId,
  );
  if (!second) return null;
  const probe = (await scope.source('probe.list', {})).find((p) => p.id === second.probeSetId)?.name ?? `probe set ${second.probeSetId}`;
  try {
    const result = await scope.source('compare.classifierFinding', {
      runIds: [scope.run.id, ...scope.otherRuns.map((r) => r.id)].slice(0, 100),
      activationSetId: second.id,
      encoderId: encoder.id,
    });
    return { result, probe };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function classifierFindingPages(part: ClassifierFindingPart | null): SectionPage[] {
  if (!part) return [];
  const title = 'Finding a classifier for a new concept';
  if ('error' in part)
    return [
      {
        title,
        toc: null,
        body: html`<h2>${title}</h2>
          ${note(`Not computed: ${part.error}`)}`,
      },
    ];
  const { result, probe } = part;
  type Row = ClassifierFinding['runs'][number];
  const name = (r: Row) => `run ${r.runId} · ${methodName(r.method)}`;
  const cols: Column<Row>[] = [
    { head: 'Run · labels read', wrap: true, cell: name, width: '40%' },
    { head: 'candidates', num: true, cell: (r) => r.candidates },
    { head: 'classes', num: true, cell: (r) => r.auroc.n },
    { head: 'mean AUROC ± SE', num: true, cell: (r) => meanSE(r.auroc) },
  ];
  const bars = barSvg(
    {
      groups: result.runs.map(name),
      series: [{ name: 'mean AUROC', values: result.runs.map((r) => r.auroc.mean), errors: result.runs.map((r) => r.auroc.standardError) }],
      yLabel: 'mean AUROC',
      legend: false,
    },
    { width: 680, height: 220 },
  );
  return [
    {
      title,
      toc: title,
      body: html`<h2>${title}</h2>
        <p class="small muted">
          The ${result.classes.length} classes of probe set "${probe}" (activation set ${result.activationSetId}) play concepts the runs
          were not made on: for each class, each run picks the neuron whose label is closest to the class name under the encoder's text
          tower, and the score is the AUROC of that neuron's activation for the class against the other images of "${probe}" (0.5 = chance).
          Mean ± SE over the classes. The Describe-and-Dissect paper reports DnD 0.738 / 0.761 and MILAN 0.591 / 0.651 (CIFAR-10 /
          CIFAR-100).
        </p>
        ${table(cols, result.runs)}
        ${figure(`classifier-finding-set${result.activationSetId}`, bars, html`<b>Mean AUROC per run</b> on "${probe}"; whiskers ± 1 SE.`)}`,
    },
  ];
}
