// A host process started through a launcher (`tsx`, `npm run`) is a child of that launcher. If the launcher
// is killed outright (SIGKILL, a closed terminal), no signal reaches the child and it would run on as an
// orphan, still holding the project. Hosts call watchParent to stop cleanly when their parent goes away.

/** Call `onOrphaned` once when this process's parent exits (its ppid changes); polls twice a second. */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref(); // never keeps the process alive by itself
  return () => clearInterval(timer);
}
