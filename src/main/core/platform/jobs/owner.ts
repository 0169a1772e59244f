import { hostname } from 'node:os';

// Who runs a job: the `owner` column is "<backend id>@<host>#<pid>". On project open, and before a
// write-heavy job starts, a 'running' row is trusted only while its owner is alive:
// - this process: the backend instance still has a job running here (see holdOwner);
// - another process on this machine: process.kill(pid, 0) succeeds (EPERM also means it exists);
// - another machine: treated as gone. SQLite's WAL mode needs shared memory on one host, so a process on
//   another machine cannot be writing this file safely anyway.
// A reused pid can keep a dead job looking alive until that process ends; the row then becomes
// 'interrupted' on the next open. Accepted: the alternative (guessing from timestamps) can interrupt a live job.

export interface ParsedOwner {
  backend: string;
  host: string;
  pid: number;
}

export function ownerId(backendId: string): string {
  return `${backendId}@${hostname()}#${process.pid}`;
}

export function parseOwner(owner: string | null): ParsedOwner | null {
  const m = owner ? /^([^@]*)@(.*)#(\d+)$/.exec(owner) : null;
  return m ? { backend: m[1], host: m[2], pid: Number(m[3]) } : null;
}

/** Backend ids with jobs running in this process, with how many. */
const runningHere = new Map<string, number>();

export function holdOwner(backendId: string): void {
  runningHere.set(backendId, (runningHere.get(backendId) ?? 0) + 1);
}

export function releaseOwner(backendId: string): void {
  const n = (runningHere.get(backendId) ?? 0) - 1;
  if (n > 0) runningHere.set(backendId, n);
  else runningHere.delete(backendId);
}

export function isOwnerAlive(owner: string | null): boolean {
  const p = parseOwner(owner);
  if (!p || p.host !== hostname()) return false;
  if (p.pid === process.pid) return runningHere.has(p.backend);
  try {
    process.kill(p.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
