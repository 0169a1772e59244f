import type { Dim } from '../../../../shared/contract';

// Shape and list formatting for the model pages (numbers: lib/format.ts).

export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** "1, 2, 3" -> [1, 2, 3]; null when any entry is not a number. */
export function parseNumberList(text: string): number[] | null {
  const parts = text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const nums = parts.map(Number);
  return nums.every((n) => Number.isFinite(n)) ? nums : null;
}
