import type { CallContext } from '../../../../shared/define';
import type { BackendState } from '../context';

// Kinds of long jobs. Each job module exports its JobKind; the composition root registers the explicit list
// (app/jobKinds.ts) when a backend is created, so jobs.resume never depends on which modules happened to load.
// The runner asks whether a kind is write-heavy, and jobs.resume finds how to re-run a stopped job.

export interface JobKind {
  kind: string;
  /** Write-heavy jobs hold the project's single writer slot: two at once fail with 'busy'. */
  writeHeavy: boolean;
  /** Re-run a stopped job with its stored params under the same job id; absent when a kind cannot resume. */
  resume?: (state: BackendState, params: unknown, ctx: CallContext, jobId: number) => Promise<unknown>;
}

const kinds = new Map<string, JobKind>();

export function registerJobKinds(list: readonly JobKind[]): void {
  for (const k of list) kinds.set(k.kind, k);
}

export function jobKind(kind: string): JobKind | undefined {
  return kinds.get(kind);
}
