import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id, Neuron, Overwrite } from './schemas';
import { ResultSortKey } from './explanations';

// Contract methods of reports, figures and bookmarks. A report is the papers' tables and figures for one explain
// run (and the ablation / Top Impact / calibration results that belong to it): a title page with provenance, a
// table of contents, one block of fixed-size pages per section. The same pages are previewed in the app, written
// as one self-contained HTML file, printed to PDF (Electron's printToPDF, else a headless Chromium) or written as
// JSON with the CSVs it summarises. docs/reports.md has the design.

/** Sections a user can choose; the title page and the contents are always there. Order = order in the report. */
export const ReportSectionId = z.enum(['summary', 'ablation', 'topimpact', 'calibration', 'dissect', 'compare', 'ratings', 'neurons']);
export type ReportSectionId = z.infer<typeof ReportSectionId>;

/**
 * Which neurons get a page, as text (the same words in the app and on the command line):
 * `all`, `none`, `top:N` / `bottom:N` (by test correlation; `top:N:valCorrelation` names another results sort key),
 * `bookmarked`, or a list `3,17,42`.
 */
export const NEURON_SELECTION = /^(all|none|bookmarked|(top|bottom):\d{1,7}(:[a-zA-Z]+)?|\d{1,7}(,\d{1,7})*)$/;
export const NeuronSelectionText = z
  .string()
  .trim()
  .regex(NEURON_SELECTION, 'expected all, none, bookmarked, top:N, bottom:N, top:N:<sort key> or a list of neuron numbers like 3,17,42');

export const ReportSpec = z.object({
  /** The explain run the report is about (its id, as explain.runs lists it). */
  run: Id,
  /** Default: every section that has results for this run. */
  sections: z.array(ReportSectionId).min(1).max(ReportSectionId.options.length).optional(),
  neurons: NeuronSelectionText.default('top:20'),
  /** Example images on the neuron pages (top, activation bands, random). */
  images: z.boolean().default(true),
  /** Ablation / Top Impact run to report (default: the newest finished one of this run / its activation set). */
  ablationRunId: Id.optional(),
  topImpactRunId: Id.optional(),
  title: z.string().trim().min(1).max(200).optional(),
});
export type ReportSpecInput = z.input<typeof ReportSpec>;
export type ReportSpec = z.output<typeof ReportSpec>;

export const ReportSectionInfo = z.object({
  id: ReportSectionId,
  title: z.string(),
  /** Whether the run has results for it; reason says what to run when not. */
  available: z.boolean(),
  reason: z.string().nullable(),
  /** Where its numbers come from, e.g. "ablation run 4 (label simulator)". */
  source: z.string().nullable(),
});
export type ReportSectionInfo = z.infer<typeof ReportSectionInfo>;

export const ReportPage = z.object({ number: z.number().int(), section: z.string(), title: z.string() });

export const ReportPreview = z.object({
  title: z.string(),
  /** The pages' markup (the body of the exported HTML); styled by the shared report stylesheet. */
  html: z.string(),
  pages: z.array(ReportPage),
  neurons: z.array(z.number().int()),
  sections: z.array(ReportSectionId),
});
export type ReportPreview = z.infer<typeof ReportPreview>;

export const ReportFormat = z.enum(['pdf', 'html', 'json']);
export type ReportFormat = z.infer<typeof ReportFormat>;

export const FigureFormat = z.enum(['svg', 'png']);

export const Bookmark = z.object({
  activationSetId: Id,
  neuron: z.number().int(),
  note: z.string(),
  createdAt: z.string(),
});
export type Bookmark = z.infer<typeof Bookmark>;

export const reportMethods = {
  'report.sections': method(
    'The sections a report of an explain run can have, whether each has results, and where its numbers come from.',
    z.object({ run: Id }),
    z.array(ReportSectionInfo),
  ),
  'report.preview': method('The report pages exactly as they will print (markup for the in-app preview).', ReportSpec, ReportPreview),
  'report.export': job(
    'Write a report of an explain run: pdf (printed by Electron or a headless Chromium), one self-contained html file, or json (the report data, with the results CSV next to it).',
    ReportSpec.extend({
      format: ReportFormat,
      path: FilePath,
      overwrite: Overwrite,
      /** A Chrome, Chromium or Edge executable to print the PDF with (default: NWB_CHROMIUM, then the usual install paths; Electron uses its own). */
      chromium: FilePath.optional(),
    }),
    z.object({
      format: ReportFormat,
      path: z.string(),
      bytes: z.number().int(),
      pages: z.number().int(),
      neurons: z.number().int(),
      /** Every file written (the json format adds the results CSV). */
      files: z.array(z.string()),
      seconds: z.number(),
      /** How the PDF was printed: 'electron', or the Chromium executable used. */
      printer: z.string().nullable(),
    }),
  ),
  'figure.save': method(
    'Save a chart as SVG (its markup) or PNG (base64 bytes drawn by the app), with its caption.',
    z.object({
      format: FigureFormat,
      /** SVG markup, or the PNG file as base64. */
      content: z.string().min(1).max(40_000_000),
      path: FilePath,
      overwrite: Overwrite,
    }),
    z.object({ path: z.string(), bytes: z.number().int() }),
  ),
  'bookmark.list': method(
    'Bookmarked neurons with their notes, newest first, optionally of one activation set.',
    z.object({ activationSetId: Id.optional() }),
    z.array(Bookmark),
  ),
  'bookmark.set': method(
    'Bookmark a neuron of an activation set (or change its note).',
    z.object({ activationSetId: Id, neuron: Neuron, note: z.string().max(2000).default('') }),
    Bookmark,
  ),
  'bookmark.remove': method('Remove a bookmark.', z.object({ activationSetId: Id, neuron: Neuron }), z.object({ removed: z.boolean() })),
} as const;

/** Sort keys `top:N:<key>` may name. */
export const SELECTION_SORT_KEYS = ResultSortKey.options;
