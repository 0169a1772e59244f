import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../../shared/errors';

// Concept lists shipped with the app (resources/concepts, made by scripts/concepts/make_common_nouns.py).
// Found next to the sources (tests, CLI, web, dev) or in the packaged app's resources folder.

const FILES = { 'common-nouns': 'common-nouns.txt' } as const;
export type BuiltinConceptList = keyof typeof FILES;

export function builtinConceptFile(name: BuiltinConceptList): string {
  const file = FILES[name];
  const candidates: string[] = [];
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged) candidates.push(join(packaged, 'concepts', file));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'concepts', file));
    dir = dirname(dir);
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new AppError(
      'not_found',
      `The built-in concept list "${name}" (${file}) is missing from this installation. Reinstall the app, or import the list from a file.`,
    );
  return found;
}
