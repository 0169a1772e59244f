import { z } from 'zod';
import { job, method } from '../define';
import { Id } from './schemas';

// Long-running work of every feature: the job list and resuming an interrupted or cancelled job.

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

export const jobMethods = {
  'jobs.list': method('Jobs of the open project, newest first.', z.object({}), z.array(JobInfo)),
  'jobs.resume': job(
    'Resume an interrupted or cancelled job from where it stopped.',
    z.object({ jobId: Id }),
    z.object({ jobId: Id, kind: z.string(), result: z.unknown() }),
  ),
} as const;
