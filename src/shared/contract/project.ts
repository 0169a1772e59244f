import { z } from 'zod';
import { method } from '../define';
import { FilePath } from './schemas';

// The app and its project file: version info, create/open/close, recent projects, the folder picker.

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

export const DirEntry = z.object({ name: z.string(), path: z.string(), isDir: z.boolean() });

export const projectMethods = {
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

  'fs.list': method(
    'List a folder on the backend machine (the browser-mode folder picker).',
    z.object({ path: FilePath.optional() }),
    z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(DirEntry) }),
  ),
} as const;
