import type { DndChain, ExplainRunInfo, ResultRow, SimulatorMeans } from '../../../../../shared/contract';
import { chunks, fmt, html, note, table, type Column } from '../../../platform/report/layout';
import type { ReportSection, ReportScope, SectionPage } from '../section';
import { methodName } from '../words';

// Describe-and-Dissect and CLIP-Dissect next to the run being reported: per method the mean test correlation under
// every simulator, the labels of each neuron side by side (with the run's own explanation), then, for the chosen
// neurons, each DnD chain in short (captions, candidates with their selection terms, labels).

const ROWS_PER_PAGE = 16; // LE explanations wrap to 3-4 lines in their column
const MAX_CHAINS = 8;

interface MethodRun {
  run: ExplainRunInfo;
  rows: Map<number, ResultRow>;
  means: SimulatorMeans[];
}

interface DissectData {
  runs: MethodRun[];
  chains: { runId: number; chain: DndChain }[];
}

/** The layer's DnD / CLIP-Dissect runs: the reported run itself when it is one, and the finished others (newest first). */
function dissectRuns(scope: ReportScope): ExplainRunInfo[] {
  const all = [scope.run, ...scope.otherRuns].filter((r) => r.method === 'dnd' || r.method === 'clip_dissect');
  // One run per method: the reported one, else the newest.
  return ['dnd', 'clip_dissect'].flatMap((m) => all.filter((r) => r.method === m).slice(0, 1));
}

const simulatorWords = (s: SimulatorMeans) => (s.simulator === 'label' ? 'label simulator' : `${s.name} simulator`);

export const dissectSection: ReportSection<DissectData> = {
  id: 'dissect',
  title: 'Describe-and-Dissect and CLIP-Dissect',
  availability(scope) {
    const runs = dissectRuns(scope);
    return runs.length
      ? { available: true, reason: null, source: runs.map((r) => `${methodName(r.method)} run ${r.id}`).join(', ') }
      : {
          available: false,
          reason: `no finished Describe-and-Dissect or CLIP-Dissect run of this layer: run dnd.run or clipDissect.run --activationSetId ${scope.set.id} (or the Describe-and-Dissect screen).`,
          source: null,
        };
  },
  async collect(scope) {
    const runs: MethodRun[] = [];
    for (const run of dissectRuns(scope)) {
      const res = await scope.source('explain.results', { runId: run.id, sort: { by: 'neuron', dir: 'asc' }, limit: 5000 });
      const means = await scope.source('simulate.means', { explainRunId: run.id });
      runs.push({ run, rows: new Map(res.rows.map((r) => [r.neuron, r])), means });
    }
    const dnd = runs.find((r) => r.run.method === 'dnd');
    const chosen = (scope.neurons.length ? scope.neurons : [...(dnd?.rows.keys() ?? [])])
      .filter((k) => dnd?.rows.has(k))
      .slice(0, MAX_CHAINS);
    const chains = [];
    for (const [i, neuron] of chosen.entries()) {
      scope.progress(i, chosen.length, `Describe-and-Dissect chain of neuron ${neuron}`);
      chains.push({ runId: dnd!.run.id, chain: await scope.source('dnd.chain', { runId: dnd!.run.id, neuron }) });
    }
    return { runs, chains };
  },
  pages(data, scope) {
    return [...comparisonPages(data, scope), ...data.chains.map(chainPage)];
  },
};

function comparisonPages(data: DissectData, scope: ReportScope): SectionPage[] {
  const methods: { name: string; run: ExplainRunInfo; rows: Map<number, ResultRow> }[] = [
    { name: methodName(scope.run.method), run: scope.run, rows: new Map(scope.rows.map((r) => [r.neuron, r])) },
    ...data.runs.filter((m) => m.run.id !== scope.run.id).map((m) => ({ name: methodName(m.run.method), run: m.run, rows: m.rows })),
  ];
  // The neurons chosen for the report and those DnD described (it usually covers a few); else every labelled one.
  const dnd = data.runs.find((m) => m.run.method === 'dnd');
  const focus = [...scope.neurons, ...(dnd ? dnd.rows.keys() : [])];
  const neurons = [...new Set(focus.length ? focus : methods.flatMap((m) => [...m.rows.keys()]))].sort((a, b) => a - b);
  const meanRows = data.runs.flatMap((m) =>
    m.means.flatMap((s) => Object.entries(s.methods).map(([method, v]) => ({ run: m.run.id, method, simulator: simulatorWords(s), v }))),
  );
  const meanCols: Column<(typeof meanRows)[number]>[] = [
    { head: 'Run', cell: (r) => `run ${r.run}`, width: '12%' },
    { head: 'Method', cell: (r) => methodName(r.method), width: '26%' },
    { head: 'Simulator', cell: (r) => r.simulator },
    { head: 'mean test r ± SE', num: true, cell: (r) => `${fmt(r.v.mean)} ± ${fmt(r.v.standardError)}` },
    { head: 'n', num: true, cell: (r) => r.v.n, width: '8%' },
  ];
  const cols: Column<number>[] = [
    { head: 'Neuron', num: true, cell: (k) => k, width: '8%' },
    ...methods.flatMap((m) => [
      { head: `${m.name} (run ${m.run.id})`, wrap: true, cell: (k: number) => m.rows.get(k)?.text ?? '—' },
      { head: 'test r', num: true, width: '8%', cell: (k: number) => fmt(m.rows.get(k)?.testCorrelation) },
    ]),
  ];
  const pages = chunks(neurons, ROWS_PER_PAGE);
  return pages.map((ks, i) => ({
    title: `Describe-and-Dissect and CLIP-Dissect ${i + 1} of ${pages.length}`,
    toc: i === 0 ? 'Describe-and-Dissect and CLIP-Dissect' : null,
    body: html`<h2>Describe-and-Dissect and CLIP-Dissect <span class="muted small">(${i + 1} of ${pages.length})</span></h2>
      ${
        i === 0
          ? html`<p class="small muted">
                ${data.runs.map((m) => `${methodName(m.run.method)} run ${m.run.id} (${m.run.neuronsTotal} neurons)`).join('; ')}. Labels
                are scored like every explanation: single-text explanations E = {(1, label)}; "DnD (3 labels)" sums its labels with weight
                1. Test r = Pearson correlation on the test split under the run's own simulator (the probe labels when the label is a label
                of the probe set; "—" otherwise: see the image-text simulators below).
              </p>
              ${meanRows.length ? table(meanCols, meanRows) : note('No simulator scores yet: run simulate.run on these runs.')}`
          : ''
      }
      ${table(cols, ks)}`,
  }));
}

function chainPage({ runId, chain }: { runId: number; chain: DndChain }): SectionPage {
  const sel = chain.selection;
  const selCols: Column<(typeof sel)[number]>[] = [
    { head: 'Candidate', wrap: true, cell: (s) => s.concept },
    {
      head: 'best ranks',
      cell: (s) =>
        s.images
          .map((i) => i.rank)
          .sort((a, b) => a - b)
          .slice(0, 5)
          .join(', '),
      width: '18%',
    },
    { head: 'rank term', num: true, cell: (s) => fmt(s.rankTerm), width: '10%' },
    { head: 'concept rank', num: true, cell: (s) => s.conceptRank, width: '10%' },
    { head: 'weight', num: true, cell: (s) => fmt(s.weight), width: '9%' },
    { head: 'score', num: true, cell: (s) => fmt(s.score), width: '9%' },
  ];
  const capCols: Column<(typeof chain.captioned)[number]>[] = [
    { head: 'image', cell: (c) => `${c.imageId}${c.box ? ` crop [${c.box.join(', ')}]` : ''}`, width: '24%' },
    { head: 'activation', num: true, cell: (c) => fmt(c.activation), width: '12%' },
    { head: 'caption', wrap: true, cell: (c) => (c.simplified ? `${c.caption} → ${c.simplified}` : c.caption) },
  ];
  return {
    title: `DnD chain of neuron ${chain.neuron}`,
    toc: `DnD chain of neuron ${chain.neuron}`,
    body: html`<h2>Describe-and-Dissect chain of neuron ${chain.neuron} <span class="muted small">(run ${runId})</span></h2>
      <p>
        <b>Labels:</b> ${chain.labels.map((l) => `${l.concept}${l.score === null ? '' : ` (score ${fmt(l.score)})`}`).join('; ') || '—'}
        ${
          chain.dropped.length
            ? html`<span class="small muted">
                — dropped as near-duplicates:
                ${chain.dropped.map((d) => `${d.concept} (${fmt(d.similarity)} to ${d.similarTo})`).join('; ')}</span
              >`
            : ''
        }
      </p>
      <p class="small muted">
        Interpretability (mean pairwise image-embedding similarity of the captioned images): ${fmt(chain.interpretability)}.
        ${chain.note ?? ''}
      </p>
      <h3>Captioned images, the neuron's activation on each (originals and crops re-ranked)</h3>
      ${table(capCols, chain.captioned)}
      <h3>Candidates and best-concept selection</h3>
      <p class="small muted">
        Language-model answers: ${chain.answers.map((a) => `“${a.concept ?? a.text}” (seed ${a.seed})`).join(', ') || 'none (no summary)'}.
        Ranks are 0-based among all generated images by activation; rank term = mean square of the 5 best; concept rank = candidates minus
        position by rank term; weight = mean image similarity between the top images and the candidate's images in the global top; score =
        concept rank × weight.
      </p>
      ${sel.length ? table(selCols, sel) : note('No selection (the stage was switched off): the first candidates are the labels.')}`,
  };
}
