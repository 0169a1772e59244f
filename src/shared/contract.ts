import { z } from 'zod';
import { job, method } from './define';
import { modelMethods } from './contractModels';
import { explainMethods } from './contractExplain';
import { ablationMethods } from './contractAblation';
import { conceptMethods } from './contractConcepts';
import { FilePath } from './schemas';

// The one declaration of every backend method. Main-side handler types, the renderer client, the CLI and
// the preload all derive from this object; add a method here and the compiler lists what is missing.

const Id = z.number().int().positive();

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  schemaVersion: z.number().int(),
  mode: z.enum(['electron', 'web', 'cli', 'test']),
  platform: z.string(),
});

export const ProjectInfo = z.object({
  path: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  createdWith: z.string(),
  createdAt: z.string(),
  probeSets: z.number().int(),
  interruptedJobs: z.number().int(),
  /** Opened with readOnly: nothing can be written. */
  readOnly: z.boolean(),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const RecentProject = z.object({ path: z.string(), name: z.string(), openedAt: z.string(), exists: z.boolean() });

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

export const JobStatus = z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']);
export const JobInfo = z.object({
  id: Id,
  kind: z.string(),
  title: z.string(),
  status: JobStatus,
  done: z.number(),
  total: z.number(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  resumable: z.boolean(),
});
export type JobInfo = z.infer<typeof JobInfo>;

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

export const DirEntry = z.object({ name: z.string(), path: z.string(), isDir: z.boolean() });

export const contract = {
  'app.info': method('Version, schema version and run mode of the backend.', z.object({}), AppInfo),

  'project.create': method(
    'Create a new project file (SQLite, .nwb) and open it. Refuses to overwrite an existing file.',
    z.object({ path: FilePath }),
    ProjectInfo,
  ),
  'project.open': method(
    'Open an existing project file. Never modifies a file that is not a project, is corrupt or is newer.',
    z.object({
      path: FilePath,
      /** Browse without writing anything (a read-only file, or a project someone else is working on). */
      readOnly: z.boolean().default(false),
    }),
    ProjectInfo,
  ),
  'project.current': method('The open project, or null.', z.object({}), ProjectInfo.nullable()),
  'project.close': method('Close the open project.', z.object({}), z.object({ closed: z.boolean() })),
  'project.recent': method('Recently opened projects, newest first.', z.object({}), z.array(RecentProject)),

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

  'jobs.list': method('Jobs of the open project, newest first.', z.object({}), z.array(JobInfo)),
  'jobs.resume': job(
    'Resume an interrupted or cancelled job from where it stopped.',
    z.object({ jobId: Id }),
    z.object({ jobId: Id, kind: z.string(), result: z.unknown() }),
  ),

  'fs.list': method(
    'List a folder on the backend machine (the browser-mode folder picker).',
    z.object({ path: FilePath.optional() }),
    z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(DirEntry) }),
  ),

  ...modelMethods,
  ...explainMethods,
  ...ablationMethods,
  ...conceptMethods,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract & string;
