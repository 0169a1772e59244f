import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import type { ImportInput, ImportResult } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { fsError } from '../../platform/files/fsErrors';
import { forEachConcurrent } from '../../platform/jobs/concurrent';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob, type JobRun } from '../../platform/jobs/runner';
import {
  computeManifestHash,
  countImages,
  countSkipped,
  deleteImage,
  deleteSkipped,
  insertImage,
  loadImageIndex,
  loadSkippedPaths,
  touchImage,
  updateImage,
  upsertSkipped,
} from '../../platform/store/imageRepo';
import { findUnfinishedJob } from '../../platform/store/jobRepo';
import { beginProbeSetImport, completeProbeSet } from '../../platform/store/probeRepo';
import { inspectFile, type Inspection } from './inspectFile';
import { folderKinds } from './labelRules';
import { readLabelsCsv, type LabelsCsv } from './labelsCsv';
import { nfc, reconcileLabels, type ReconcileStats } from './reconcileLabels';
import { walkFolder, type WalkResult } from './walk';

// The probe.import job. Resume rule: an image row is committed together with the job's progress, one
// transaction per batch, so after a cancel or a kill every committed image is whole; the next run (resume,
// or importing the same folder again) skips every file whose size + mtime equal its stored row and only
// reads the rest. Labels and the manifest hash are computed once, at the end (see reconcileLabels.ts).

export const IMPORT_KIND = 'probe.import';
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** Files in flight. Reads and sharp decodes run on libuv's threads; 16 keeps them fed on 2 cores
 * (measured: 8 and 32 were no faster) while bounding memory to 16 x 8 MB read buffers. */
const CONCURRENCY = 16;
/** A batch commits after this many files or this long, whichever comes first (progress stays live on slow files). */
const BATCH_FILES = 256;
const BATCH_MS = 500;

/** What the job row and its provenance run store: every parameter, defaults filled in, paths resolved. */
const ImportParams = z.object({
  root: z.string(),
  name: z.string(),
  labelsCsv: z.string().nullable(),
  maxFileBytes: z.number().int().positive(),
  maxPixels: z.number().int().positive(),
});
type ImportParams = z.infer<typeof ImportParams>;

export async function importProbe(state: BackendState, input: ImportInput, ctx: CallContext, resumeJobId?: number): Promise<ImportResult> {
  const project = state.requireProject();
  const root = await resolveRoot(input.root);
  const params: ImportParams = {
    root,
    name: input.name?.trim() || basename(root),
    labelsCsv: input.labelsCsv ? resolve(input.labelsCsv) : null,
    maxFileBytes: input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxPixels: input.maxPixels ?? DEFAULT_MAX_PIXELS,
  };
  // Everything that can reject the input runs before anything is written.
  ctx.progress({ done: 0, total: 0, message: 'Scanning the folder' });
  const walk = await walkFolder(root, ctx.signal);
  if (walk.files.length === 0) {
    const why = walk.skipped.length
      ? ` (${walk.skipped.length} entr${walk.skipped.length === 1 ? 'y was' : 'ies were'} skipped, e.g. ${walk.skipped[0].relPath}: ${walk.skipped[0].reason})`
      : '';
    throw new AppError(
      'bad_input',
      `Folder ${root} holds no files to import${why}. Choose the folder that holds the images (in subfolders per class).`,
      { path: root },
    );
  }
  const labelPaths = walk.files.map((f) => nfc(f.relPath));
  const csv = params.labelsCsv ? await readLabelsCsv(params.labelsCsv, new Set(labelPaths), folderKinds(labelPaths)) : null;
  // Importing a folder whose last import stopped continues that job rather than leaving it behind.
  const jobId = resumeJobId ?? findUnfinishedJob(project.db, IMPORT_KIND, 'root', root)?.id;
  return runJob(project, { kind: IMPORT_KIND, title: `Import ${params.name}`, params, jobId }, ctx, (run) =>
    runImport(run, params, walk, csv),
  );
}

async function resolveRoot(given: string): Promise<string> {
  const full = resolve(given);
  try {
    const st = await stat(full);
    if (!st.isDirectory()) throw new AppError('bad_input', `${full} is a file, not a folder. Import the folder that holds the images.`);
    return await realpath(full);
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppError('not_found', `Folder ${full} does not exist.`, { path: full });
    const coded = fsError(e, full, 'open');
    if (coded instanceof AppError) throw coded;
    throw new AppError('bad_input', `Folder ${full} cannot be read (${code ?? (e as Error).message}).`, { path: full });
  }
}

async function runImport(run: JobRun, params: ImportParams, walk: WalkResult, csv: LabelsCsv | null): Promise<ImportResult> {
  const started = performance.now();
  const { db } = run;
  const probeSetId = beginProbeSetImport(db, { rootPath: params.root, name: params.name, labelsCsvPath: params.labelsCsv });
  const stored = loadImageIndex(db, probeSetId);
  const skippedBefore = loadSkippedPaths(db, probeSetId);
  const counts = { added: 0, updated: 0, unchanged: 0, removed: 0 };
  const total = walk.files.length;

  const apply = (r: Inspection): void => {
    const prior = stored.get(r.relPath);
    if (r.kind === 'unchanged') {
      counts.unchanged++;
      return;
    }
    if (r.kind === 'skipped') {
      upsertSkipped(db, probeSetId, r.relPath, r.reason, r.bytes);
      if (prior) {
        deleteImage(db, prior.id); // it was an image and no longer decodes
        stored.delete(r.relPath);
        counts.removed++;
      }
      return;
    }
    if (skippedBefore.has(r.relPath)) deleteSkipped(db, probeSetId, r.relPath);
    if (!prior) {
      insertImage(db, probeSetId, r);
      counts.added++;
    } else if (prior.sha256 === r.sha256) {
      touchImage(db, prior.id, r.bytes, r.mtimeMs);
      counts.unchanged++;
    } else {
      updateImage(db, prior.id, r);
      counts.updated++;
    }
  };

  // Files finish out of order (16 in flight), but rows are inserted strictly in walk order (see walk.ts,
  // comparePaths), so image ids follow the sorted paths: the same folder gets the same ids in every
  // import, and a killed import has committed a prefix of that order, which its resume continues.
  // A finished file waits in `finished` until every file before it has finished too.
  const finished = new Map<number, Inspection>();
  let nextInOrder = 0;
  let done = 0;
  let pending: Inspection[] = [];
  let lastCommit = performance.now();
  const commit = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const next = done + batch.length;
    db.transaction(() => {
      for (const r of batch) apply(r);
      run.progress(next, total, `${next} of ${total} files`);
    })();
    done = next;
    lastCommit = performance.now();
  };

  run.progress(0, total, `0 of ${total} files`);
  const limits = { maxFileBytes: params.maxFileBytes, maxPixels: params.maxPixels };
  await forEachConcurrent(walk.files, CONCURRENCY, run.signal, async (file, index) => {
    finished.set(index, await inspectFile(file, stored.get(file.relPath), limits));
    // Only after the await: `pending` may have been swapped for a new batch meanwhile.
    for (let r = finished.get(nextInOrder); r !== undefined; r = finished.get(nextInOrder)) {
      finished.delete(nextInOrder++);
      pending.push(r);
    }
    if (pending.length >= BATCH_FILES || performance.now() - lastCommit >= BATCH_MS) commit();
  });
  commit(); // also on cancel: the finished prefix is kept, so a resume does not redo it (files after a gap are read again)
  run.throwIfCancelled();

  let manifestHash = '';
  let merged: ReconcileStats['merged'] = [];
  db.transaction(() => {
    const present = new Set(walk.files.map((f) => f.relPath));
    for (const [relPath, img] of stored) {
      if (present.has(relPath)) continue;
      deleteImage(db, img.id);
      counts.removed++;
    }
    for (const s of walk.skipped) upsertSkipped(db, probeSetId, s.relPath, s.reason, null);
    const walkSkipped = new Set(walk.skipped.map((s) => s.relPath));
    for (const relPath of skippedBefore) if (!present.has(relPath) && !walkSkipped.has(relPath)) deleteSkipped(db, probeSetId, relPath);
    merged = reconcileLabels(db, probeSetId, csv).merged;
    manifestHash = computeManifestHash(db, probeSetId);
    completeProbeSet(db, probeSetId, manifestHash);
    run.recordProvenance({ hashes: { manifest: manifestHash, ...(csv ? { labelsCsv: csv.sha256 } : {}) } });
    run.progress(total, total, `${total} of ${total} files`);
  })();

  return {
    probeSetId,
    jobId: run.jobId,
    ...counts,
    skipped: countSkipped(db, probeSetId),
    images: countImages(db, probeSetId),
    seconds: (performance.now() - started) / 1000,
    warnings: [...merged.map(mergeWarning), ...badNameWarning(walk)],
  };
}

function mergeWarning(m: ReconcileStats['merged'][number]): string {
  const forms = m.spellings
    .map((s) => `"${s}" (${s === s.normalize('NFC') ? 'NFC' : s === s.normalize('NFD') ? 'NFD' : 'mixed'} form)`)
    .join(' and ');
  return `The folders ${forms} have the same name in different Unicode forms (e.g. one copied from macOS); their ${m.images} images were merged into one label "${m.label}".`;
}

function badNameWarning(walk: WalkResult): string[] {
  const bad = walk.skipped.filter((s) => s.code === 'bad_name');
  if (!bad.length) return [];
  const shown = bad
    .slice(0, 3)
    .map((s) => s.relPath)
    .join(', ');
  return [
    `${bad.length} file or folder name(s) are not valid UTF-8 and were skipped (${shown}${bad.length > 3 ? ', ...' : ''}); rename them to UTF-8 and import again.`,
  ];
}

export const importJobKind: JobKind = {
  kind: IMPORT_KIND,
  writeHeavy: true,
  resume: (state, stored, ctx, jobId) => {
    const p = ImportParams.parse(stored);
    return importProbe(state, { ...p, labelsCsv: p.labelsCsv ?? undefined }, ctx, jobId);
  },
};
