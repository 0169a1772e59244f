import { z } from 'zod';
import { job, method } from '../define';
import { FilePath, Id } from './schemas';

// Probe sets: image folders imported with their class / superclass labels, pages of images, thumbnails.

export const ProbeSetInfo = z.object({
  id: Id,
  name: z.string(),
  rootPath: z.string(),
  labelsCsvPath: z.string().nullable(),
  images: z.number().int(),
  skipped: z.number().int(),
  classes: z.number().int(),
  manifestHash: z.string().nullable(),
  createdAt: z.string(),
  complete: z.boolean(),
});
export type ProbeSetInfo = z.infer<typeof ProbeSetInfo>;

export const LabelCount = z.object({
  id: Id,
  name: z.string(),
  /** Path of the label in the folder tree, e.g. "footwear/Sandal"; CSV labels have no parent. */
  path: z.string(),
  kind: z.enum(['class', 'superclass', 'csv']),
  parentId: Id.nullable(),
  depth: z.number().int(),
  images: z.number().int(),
});
export type LabelCount = z.infer<typeof LabelCount>;

export const ProbeSummary = z.object({ probeSet: ProbeSetInfo, labels: z.array(LabelCount) });

export const ImageRow = z.object({
  id: Id,
  relPath: z.string(),
  sha256: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  format: z.string(),
  classId: Id.nullable(),
  className: z.string().nullable(),
});
export type ImageRow = z.infer<typeof ImageRow>;

export const SkippedFile = z.object({ relPath: z.string(), reason: z.string(), bytes: z.number().int().nullable() });
export type SkippedFile = z.infer<typeof SkippedFile>;

export const ImportResult = z.object({
  probeSetId: Id,
  jobId: Id,
  added: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  removed: z.number().int(),
  skipped: z.number().int(),
  images: z.number().int(),
  seconds: z.number(),
  /** What the import changed or could not use that the user should know (folder names merged across Unicode forms, names that are not UTF-8). Absent in results stored by older versions. */
  warnings: z.array(z.string()).default([]),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const ImportInput = z.object({
  root: FilePath,
  name: z.string().max(200).optional(),
  labelsCsv: FilePath.optional(),
  /** Files larger than this are skipped as gigantic (bytes). */
  maxFileBytes: z.number().int().positive().optional(),
  /** Images with more pixels than this are skipped as gigantic. */
  maxPixels: z.number().int().positive().optional(),
});
export type ImportInput = z.infer<typeof ImportInput>;

// Browser-mode drops (docs/probe-import.md, "Dropping a folder in the browser"): the page reads the dropped tree
// and sends its files over the authenticated connection into `<project>.uploads/<name>/`, a folder the project
// owns; then probe.import reads that folder as usual. Files are named by their SHA-256, so a re-drop sends
// nothing and an interrupted upload continues where it stopped. Shared limits: the page checks them first.

export const UPLOAD_LIMITS = {
  /** Largest file accepted (bytes): the import's own default limit, bigger files would be skipped as too_large. */
  maxFileBytes: 256 * 1024 * 1024,
  /** Largest upload (bytes, all files). */
  maxTotalBytes: 16 * 1024 * 1024 * 1024,
  /** Most files in one upload. */
  maxFiles: 200_000,
  /** Files described per probe.upload.begin call (a WebSocket message is at most 1 MB). */
  filesPerBegin: 4000,
  /** Bytes of file content per probe.upload.chunk call (base64 in JSON: 4/3 of this, under the 1 MB message cap). */
  chunkBytes: 512 * 1024,
  /** The page asks before uploading more than this many bytes ... */
  confirmBytes: 200 * 1024 * 1024,
  /** ... or more than this many files. */
  confirmFiles: 20_000,
} as const;

/** Extensions of the image files an upload accepts (lower case); the import then checks the content. */
export const UPLOAD_IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp'] as const;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 as 64 lower-case hex digits');
/** Checked again, with the path named, by the handler (relative, '/'-separated, no '..', no hidden part). */
const UploadPath = z.string().min(1).max(1024);
const UploadName = z.string().min(1).max(120);

export const UploadFile = z.object({
  relPath: UploadPath,
  bytes: z.number().int().min(0).max(UPLOAD_LIMITS.maxFileBytes),
  sha256: Sha256,
});
export type UploadFile = z.infer<typeof UploadFile>;

export const UploadBeginInput = z.object({
  /** The dropped folder's name: the upload's folder `<project>.uploads/<name>/` and the probe set's default name. */
  name: UploadName,
  /** The files to upload, at most filesPerBegin per call; later calls (more: true) add to the same upload. */
  files: z.array(UploadFile).max(UPLOAD_LIMITS.filesPerBegin),
  /** false (default): a new manifest (replacing an unfinished one of this name); true: add these files to it. */
  more: z.boolean().default(false),
  /** A labels CSV of the dropped folder (its name in the tree); stored beside the images, not among them. */
  labelsCsv: UploadFile.optional(),
});
export type UploadBeginInput = z.infer<typeof UploadBeginInput>;

export const UploadBeginResult = z.object({
  /** The folder the images go to. */
  root: z.string(),
  /** Files of this call already there with the same SHA-256: nothing to send. */
  have: z.number().int(),
  haveBytes: z.number().int(),
  /** Files of this call still to send, each from `offset` (bytes already received by an interrupted upload). */
  need: z.array(z.object({ relPath: z.string(), offset: z.number().int() })),
});
export type UploadBeginResult = z.infer<typeof UploadBeginResult>;

export const UploadChunkInput = z.object({
  name: UploadName,
  /** Consecutive bytes of one or more files; each piece starts where the file's received bytes end. */
  pieces: z
    .array(
      z.object({ relPath: UploadPath, offset: z.number().int().min(0), data: z.string().max(Math.ceil(UPLOAD_LIMITS.chunkBytes / 3) * 4) }),
    )
    .min(1)
    .max(4096),
});
export type UploadChunkInput = z.infer<typeof UploadChunkInput>;

export const UploadChunkResult = z.object({
  /** Bytes stored by this call. */
  bytes: z.number().int(),
  /** Files this call completed (hash checked and moved into place). */
  completed: z.array(z.string()),
});
export type UploadChunkResult = z.infer<typeof UploadChunkResult>;

export const UploadFinishResult = z.object({
  /** The folder to import (probe.import root). */
  root: z.string(),
  labelsCsv: z.string().nullable(),
  files: z.number().int(),
  bytes: z.number().int(),
  /** Files of an earlier upload under this name that the new drop no longer has (removed, as a re-import would). */
  removed: z.number().int(),
});
export type UploadFinishResult = z.infer<typeof UploadFinishResult>;

export const probeMethods = {
  'probe.import': job(
    'Import an image folder as a probe set: leaf folders are classes, ancestor folders superclasses; an optional CSV adds labels. Re-importing the same folder updates it.',
    ImportInput,
    ImportResult,
  ),
  'probe.list': method('Probe sets of the open project.', z.object({}), z.array(ProbeSetInfo)),
  'probe.summary': method('Counts per class and superclass.', z.object({ probeSetId: Id }), ProbeSummary),
  'probe.images': method(
    'A page of images, optionally of one label.',
    z.object({
      probeSetId: Id,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(2000).default(200),
      labelId: Id.optional(),
    }),
    z.object({ total: z.number().int(), rows: z.array(ImageRow) }),
  ),
  'probe.skipped': method('Files the import skipped, with reasons.', z.object({ probeSetId: Id }), z.array(SkippedFile)),
  'probe.thumbnails': method(
    'Cached thumbnails as data URLs (JPEG), generated on first request.',
    z.object({ imageIds: z.array(Id).max(500), size: z.number().int().min(16).max(512).default(96) }),
    z.array(z.object({ id: Id, dataUrl: z.string().nullable(), error: z.string().optional() })),
  ),
  'probe.upload.begin': method(
    "Browser drops: describe a dropped folder's files (relative path, size, SHA-256) under a name; answers which are already uploaded and where an interrupted file continues.",
    UploadBeginInput,
    UploadBeginResult,
  ),
  'probe.upload.chunk': method(
    'Browser drops: bytes of files described by probe.upload.begin (base64); a file whose bytes are complete is hash-checked and moved into place.',
    UploadChunkInput,
    UploadChunkResult,
  ),
  'probe.upload.finish': method(
    'Browser drops: check every described file arrived, remove files of an earlier drop under this name that are gone, and give the folder to import.',
    z.object({ name: UploadName }),
    UploadFinishResult,
  ),
} as const;
