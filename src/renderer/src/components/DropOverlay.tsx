import { useEffect, useState } from 'react';
import { pathForDroppedFile } from '../api';

/**
 * Window-wide drop target for image folders. Electron reveals the dropped folder's real path; browsers do not,
 * so the caller gets null and the dropped entry (webkitGetAsEntry, taken now: the DataTransfer is emptied when
 * the event ends), from which the page reads the folder tree and uploads it.
 */
export function DropOverlay({ onDrop }: { onDrop: (path: string | null, name: string, entry: FileSystemEntry | null) => void }) {
  const [active, setActive] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setActive(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow dropping
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setActive(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // never let the page navigate to the dropped file
      depth = 0;
      setActive(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      const path = pathForDroppedFile(file);
      const items = Array.from(e.dataTransfer?.items ?? []).filter((i) => i.kind === 'file');
      const entries = path ? [] : items.map((i) => i.webkitGetAsEntry?.() ?? null);
      onDrop(path, file.name, entries.find((x) => x?.isDirectory) ?? entries[0] ?? null);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [onDrop]);
  if (!active) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay">
      <div className="drop-card">
        <strong>Drop an image folder</strong>
        <p>It will be imported as a probe set: sub-folders are classes, their parents superclasses.</p>
      </div>
    </div>
  );
}
