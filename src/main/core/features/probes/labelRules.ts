// Which labels an image's place in the folder tree gives it. Pure functions over '/'-separated paths.
//
// A folder that directly holds images and has no subfolder holding images is a class; every folder above
// an image's folder (below the root) is a superclass. So footwear/Sandal/x.png has class "footwear/Sandal"
// and superclass "footwear". Images directly in the root have no class; images directly in a superclass
// folder (next to its subfolders) have no class either, only that folder and its ancestors as superclasses.
// The tree is computed from the images actually imported, so a folder of unreadable files labels nothing.

export type FolderKind = 'class' | 'superclass';

export interface FolderLabels {
  classPath: string | null;
  /** Nearest first. */
  superclassPaths: string[];
}

export function folderOf(relPath: string): string | null {
  const i = relPath.lastIndexOf('/');
  return i < 0 ? null : relPath.slice(0, i);
}

/** 'a/b/c' -> ['a/b', 'a'] */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let p = folderOf(path); p !== null; p = folderOf(p)) out.push(p);
  return out;
}

export const leafName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

export function folderKinds(imageRelPaths: Iterable<string>): Map<string, FolderKind> {
  const kinds = new Map<string, FolderKind>();
  for (const rel of imageRelPaths) {
    const dir = folderOf(rel);
    if (dir === null) continue;
    if (!kinds.has(dir)) kinds.set(dir, 'class');
    for (const a of ancestorsOf(dir)) {
      if (kinds.get(a) === 'superclass') break; // its ancestors are marked already
      kinds.set(a, 'superclass');
    }
  }
  return kinds;
}

export function folderLabelsOf(relPath: string, kinds: ReadonlyMap<string, FolderKind>): FolderLabels {
  const dir = folderOf(relPath);
  if (dir === null) return { classPath: null, superclassPaths: [] };
  if (kinds.get(dir) === 'class') return { classPath: dir, superclassPaths: ancestorsOf(dir) };
  return { classPath: null, superclassPaths: [dir, ...ancestorsOf(dir)] };
}

export type ClassMatch = { path: string } | { ambiguous: string[] } | null;

/** A CSV label names a class by its path ("footwear/Sandal") or, when unique, its folder name ("Sandal"). */
export function classMatcher(kinds: ReadonlyMap<string, FolderKind>): (label: string) => ClassMatch {
  const byName = new Map<string, string[]>();
  for (const [path, kind] of kinds) {
    if (kind !== 'class') continue;
    const name = leafName(path);
    byName.set(name, [...(byName.get(name) ?? []), path]);
  }
  return (label) => {
    if (kinds.get(label) === 'class') return { path: label };
    const paths = byName.get(label);
    if (!paths) return null;
    return paths.length === 1 ? { path: paths[0] } : { ambiguous: [...paths].sort() };
  };
}
