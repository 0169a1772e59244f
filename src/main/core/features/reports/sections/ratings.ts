import type { RatingResults } from '../../../../../shared/contract';
import { barSvg } from '../../../platform/report/charts';
import { figure, fmt, html, meanSE, note, table, type Column } from '../../../platform/report/layout';
import type { ReportSection, SectionPage } from '../section';
import { methodName } from '../words';

// Blind ratings of the layer's labels (the Describe-and-Dissect authors' human study, done in the app): per study of
// the report's activation set that someone rated, the mean rating ± SE per method and the raters' agreement, as
// ratings.results gives them.

const MAX_STUDIES = 4;

type Row = RatingResults['methods'][number];
const sourceName = (m: Row) => `run ${m.runId} · ${methodName(m.method)}`;

export const ratingsSection: ReportSection<RatingResults[]> = {
  id: 'ratings',
  title: 'Blind ratings',
  availability: (scope) => {
    const rated = scope.studies.filter((s) => s.raters.some((r) => r.rated > 0));
    return rated.length
      ? {
          available: true,
          reason: null,
          source: `ratings.results of ${rated.length === 1 ? 'study' : 'studies'} ${rated
            .slice(0, MAX_STUDIES)
            .map((s) => s.id)
            .join(', ')}`,
        }
      : {
          available: false,
          reason: `no one has rated labels of layer ${scope.set.tensorName} yet: make a study on the Rate labels screen (ratings.create) and rate it.`,
          source: null,
        };
  },
  collect: async (scope) => {
    const rated = scope.studies.filter((s) => s.raters.some((r) => r.rated > 0)).slice(0, MAX_STUDIES);
    const out: RatingResults[] = [];
    for (const s of rated) out.push(await scope.source('ratings.results', { studyId: s.id }));
    return out;
  },
  pages: (data) => data.map(studyPage),
};

function studyPage(r: RatingResults): SectionPage {
  const raterCols: Column<Row>[] = r.raters.map((x) => ({
    head: x.name,
    num: true,
    cell: (m: Row) => fmt(m.raterMeans[x.name] ?? null, 2),
  }));
  const cols: Column<Row>[] = [
    { head: 'Run · method', wrap: true, cell: sourceName, width: '30%' },
    { head: 'labels', num: true, cell: (m) => m.items },
    { head: 'ratings', num: true, cell: (m) => m.ratings },
    { head: 'mean rating ± SE', num: true, cell: (m) => meanSE(m.rated, 2) },
    ...raterCols.slice(0, 6),
  ];
  const bars = barSvg(
    {
      groups: r.methods.map(sourceName),
      series: [{ name: 'mean rating', values: r.methods.map((m) => m.rated.mean), errors: r.methods.map((m) => m.rated.standardError) }],
      yLabel: 'mean rating (1-5)',
      legend: false,
    },
    { width: 680, height: 220 },
  );
  const a = r.agreement;
  const agreement =
    r.raters.length < 2
      ? note('One rater so far: agreement needs a second.')
      : html`<p class="small">
          Rater agreement on ${a.pairableItems} labels rated by at least two raters: Krippendorff's α ${fmt(a.alphaOrdinal)} (ordinal),
          ${fmt(a.alphaInterval)}
          (interval)${
            a.pairs.length
              ? html`; per pair:
                ${a.pairs
                  .slice(0, 6)
                  .map((p) => `${p.a}–${p.b} r = ${fmt(p.pearson)} on ${p.shared} labels`)
                  .join('; ')}`
              : ''
          }.
        </p>`;
  const title = `Blind ratings: ${r.name}`;
  return {
    title,
    toc: title,
    body: html`<h2>${title}</h2>
      <p class="small muted">
        Study ${r.studyId} of layer ${r.layer}: raters saw each neuron's top probe images and the labels of the methods below in a random
        order, without method names, and rated each 1 (does not describe the images) to 5 (describes them all well). A label's rating is the
        mean over its raters; a method's mean ± standard error is over its labels. Raters:
        ${r.raters.map((x) => `${x.name} (${x.rated})`).join(', ')}.
      </p>
      ${table(cols, r.methods)} ${agreement}
      ${figure(`ratings-study${r.studyId}`, bars, html`<b>Mean blind rating per method</b>, study ${r.studyId}; whiskers ± 1 SE.`)}`,
  };
}
