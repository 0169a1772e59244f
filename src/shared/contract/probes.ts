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
} as const;
