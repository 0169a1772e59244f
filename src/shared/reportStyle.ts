// The report's one style sheet: inlined into the exported HTML (and so into the PDF) and adopted by the in-app
// preview's shadow root, so the preview is the printed page. Everything is scoped under .nwb-report.
//
// Decisions:
// - Fixed A4 pages (210 x 297 mm, no printer margins): the backend lays content out page by page, so page numbers,
//   the contents and the page count are known before printing, and no chart can be cut by a page break. A page
//   body clips (overflow: hidden) instead of spilling; the report tests check that nothing overflows.
// - Fonts: DejaVu/Liberation first (what a Linux Chromium prints with, embedded as subsets in the PDF), then the
//   usual sans-serif faces, so the HTML reads the same on any machine without fetching a font.
// - No colour that carries meaning without a label: charts have legends, tables name the simulator and split.

export const REPORT_CSS = `
.nwb-report { font-family: 'DejaVu Sans', 'Liberation Sans', 'Helvetica Neue', Arial, sans-serif; color: #1d2127;
  font-size: 9.5pt; line-height: 1.35; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.nwb-report *, .nwb-report *::before, .nwb-report *::after { box-sizing: border-box; }
.nwb-report .page { width: 210mm; height: 297mm; padding: 13mm 15mm 0; background: #fff; position: relative; overflow: hidden;
  display: flex; flex-direction: column; break-after: page; page-break-after: always; break-inside: avoid; }
.nwb-report .page:last-child { break-after: auto; page-break-after: auto; }
.nwb-report .page-head { display: flex; justify-content: space-between; gap: 8mm; font-size: 7.5pt; color: #5b6470;
  border-bottom: 0.3mm solid #c9ced6; padding-bottom: 1.5mm; margin-bottom: 4mm; white-space: nowrap; }
.nwb-report .page-head span { overflow: hidden; text-overflow: ellipsis; }
.nwb-report .page-body { flex: 1 1 auto; min-height: 0; overflow: hidden; display: flex; flex-direction: column; gap: 3.5mm; }
.nwb-report .page-foot { height: 12mm; flex: none; display: flex; justify-content: space-between; align-items: center;
  font-size: 7.5pt; color: #5b6470; border-top: 0.3mm solid #c9ced6; }
.nwb-report h1 { font-size: 20pt; margin: 0 0 2mm; line-height: 1.2; }
.nwb-report h2 { font-size: 13pt; margin: 0; }
.nwb-report h3 { font-size: 10.5pt; margin: 0 0 1.5mm; }
.nwb-report p { margin: 0; }
.nwb-report .muted { color: #5b6470; }
.nwb-report .small { font-size: 8pt; }
.nwb-report .mono { font-family: 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace; font-size: 7.5pt; word-break: break-all; }
.nwb-report table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
.nwb-report th, .nwb-report td { text-align: left; padding: 0.9mm 1.6mm; border-bottom: 0.2mm solid #dde1e7; vertical-align: top; }
.nwb-report th { font-weight: 600; color: #39414b; border-bottom: 0.35mm solid #9aa3af; }
.nwb-report td.num, .nwb-report th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nwb-report table.rows { table-layout: fixed; }
.nwb-report table.rows th { white-space: normal; }
.nwb-report table.rows td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 0; }
.nwb-report table.rows td.wrap { white-space: normal; }
.nwb-report table.kv th { width: 34%; border-bottom: 0.2mm solid #dde1e7; font-weight: 600; }
.nwb-report table.kv td { word-break: break-word; }
.nwb-report .figure { margin: 0; break-inside: avoid; }
.nwb-report .figure svg { display: block; max-width: 100%; height: auto; }
.nwb-report .figure figcaption { font-size: 8pt; color: #39414b; margin-top: 1mm; }
.nwb-report .figure figcaption b { color: #1d2127; }
.nwb-report .row { display: flex; gap: 4mm; }
.nwb-report .row > * { flex: 1 1 0; min-width: 0; }
.nwb-report .toc { list-style: none; margin: 0; padding: 0; columns: 1; }
.nwb-report .toc.many { columns: 3; column-gap: 8mm; font-size: 8pt; }
.nwb-report .toc li { display: flex; gap: 2mm; break-inside: avoid; padding: 0.6mm 0; }
.nwb-report .toc li .dots { flex: 1; border-bottom: 0.3mm dotted #9aa3af; margin-bottom: 1mm; }
.nwb-report .toc a { color: inherit; text-decoration: none; }
.nwb-report .toc li.sub { padding-left: 5mm; font-size: 8.5pt; }
.nwb-report .title-block { margin: 18mm 0 8mm; }
.nwb-report .title-block .sub { font-size: 11pt; color: #39414b; }
.nwb-report .examples { display: flex; flex-direction: column; gap: 1mm; }
.nwb-report .examples .strip { display: flex; flex-wrap: nowrap; gap: 1.5mm; overflow: hidden; align-items: flex-start; }
.nwb-report .examples .strip-label { width: 20mm; flex: none; font-size: 7.5pt; font-weight: 600; padding-top: 2mm; }
.nwb-report .clamp2 { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.nwb-report .examples figure { margin: 0; width: 15mm; flex: none; text-align: center; }
.nwb-report .examples img { width: 15mm; height: 15mm; object-fit: cover; display: block; image-rendering: pixelated; background: #eef0f3; }
.nwb-report .examples figcaption { font-size: 6.5pt; color: #39414b; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.nwb-report .note { font-size: 8pt; color: #39414b; background: #f4f6f9; padding: 1.5mm 2.5mm; border-left: 0.8mm solid #9aa3af; }
.nwb-report .stat-line { display: flex; flex-wrap: wrap; gap: 1mm 5mm; font-size: 8.5pt; }
.nwb-report .explanation { font-weight: 600; }
@media screen {
  .nwb-report { background: #d9dde3; padding: 16px 0; }
  .nwb-report .page { margin: 0 auto 16px; box-shadow: 0 1px 6px rgba(0, 0, 0, 0.3); }
}
@media print {
  html, body { margin: 0; padding: 0; background: #fff; }
  .nwb-report .page { margin: 0; box-shadow: none; }
}
@page { size: A4; margin: 0; }
`;
