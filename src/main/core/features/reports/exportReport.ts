import { basename, dirname, extname, join } from 'node:path';
import type { CallContext } from '../../../../shared/define';
import type { ReportFormat, ReportSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { checkWriteTarget, writeFileSafely } from '../../platform/files/safeWrite';
import { printPdf, type HostPdfPrinter } from '../../platform/print/pdf';
import { APP_VERSION } from '../../platform/version';
import { buildReport, htmlDocument, type ReportDocument } from './document';
import type { ReportSource } from './source';

// report.export: build the pages once, then write them as one self-contained HTML file, print them to PDF, or
// write the report's data as JSON with the results CSV it summarises next to it. Every file goes through
// writeFileSafely (never over a project, never half a file, an existing file only with overwrite).

export interface ExportInput extends ReportSpec {
  format: ReportFormat;
  path: string;
  overwrite: boolean;
  chromium?: string;
}

export const REPORT_JSON_FORMAT = 'neuron-workbench.report';

/** The CSV written next to a JSON report: r.json -> r.results.csv. */
export function csvBeside(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.results.csv`);
}

function jsonOf(doc: ReportDocument): string {
  const { scope } = doc;
  const body = {
    format: REPORT_JSON_FORMAT,
    version: 1,
    title: doc.title,
    createdAt: doc.createdAt,
    appVersion: APP_VERSION,
    spec: scope.spec,
    run: scope.run,
    activationSet: scope.set,
    model: scope.model,
    probeSet: scope.probe,
    ablationRun: scope.ablation,
    topImpactRun: scope.topImpact,
    sections: doc.sections,
    neurons: doc.neurons,
    pages: doc.pages.map((p) => ({ number: p.number, section: p.section, title: p.title })),
    data: doc.data,
  };
  // Maps become objects; thumbnails (data URLs) stay out: the images are files of the probe set.
  return `${JSON.stringify(body, (k, v: unknown) => (k === 'thumbs' ? undefined : v instanceof Map ? Object.fromEntries(v) : v), 1)}\n`;
}

export async function exportReport(
  input: ExportInput,
  source: ReportSource,
  ctx: CallContext,
  io: { protectedProjects: string[]; hostPrinter?: HostPdfPrinter },
) {
  const started = performance.now();
  const target = { path: input.path, overwrite: input.overwrite, protectedProjects: io.protectedProjects };
  // Refuse a bad target before minutes of work; writeFileSafely checks again when it writes.
  checkWriteTarget(target);
  const csvTarget = input.format === 'json' ? { ...target, path: csvBeside(input.path) } : null;
  if (csvTarget) checkWriteTarget(csvTarget);

  const share = input.format === 'pdf' ? 0.8 : 0.95;
  const doc = await buildReport(input, source, ctx.signal, (done, total, message) =>
    ctx.progress({ done: Math.round(share * 1000 * (done / Math.max(1, total))), total: 1000, message }),
  );
  if (ctx.signal.aborted) throw new AppError('cancelled', 'The report was cancelled.');
  let printer: string | null = null;
  const files: string[] = [];
  let written: { path: string; bytes: number };
  if (input.format === 'json') {
    written = await writeFileSafely(target, (sink) => sink.write(jsonOf(doc)));
    const csv = await source('explain.export', { runId: input.run, format: 'csv', path: csvTarget!.path, overwrite: input.overwrite });
    files.push(written.path, csv.path);
  } else {
    const page = htmlDocument(doc);
    if (input.format === 'html') written = await writeFileSafely(target, (sink) => sink.write(page));
    else {
      ctx.progress({ done: Math.round(share * 1000), total: 1000, message: 'printing the PDF' });
      const printed = await printPdf(page, { host: io.hostPrinter, chromium: input.chromium, signal: ctx.signal });
      printer = printed.printer;
      if (ctx.signal.aborted) throw new AppError('cancelled', 'The report was cancelled.');
      written = await writeFileSafely(target, (sink) => sink.write(Buffer.from(printed.pdf)));
    }
    files.push(written.path);
  }
  ctx.progress({ done: 1000, total: 1000, message: 'written' });
  return {
    format: input.format,
    path: written.path,
    bytes: written.bytes,
    pages: doc.pages.length,
    neurons: doc.neurons.length,
    files,
    seconds: (performance.now() - started) / 1000,
    printer,
  };
}
