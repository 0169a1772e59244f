import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Calibrations outlive a project: fitting (a, b) is a property of the encoder's files, so every calibration
// is also written to a small JSON library in the user's data folder, keyed by the encoder sha256. Adding the
// same encoder files to another project brings them along (source 'library'). Atomic replace, like recent.ts.

export interface LibraryEntry {
  a: number;
  b: number;
  /** What it was: 'fitted on <probe set> (<project>)', a preset name, or 'typed'. */
  label: string;
  bceBefore: number | null;
  bceAfter: number | null;
  createdAt: string;
}

type Library = Record<string, LibraryEntry[]>;

const MAX_PER_ENCODER = 20;

export class CalibrationLibrary {
  private readonly file: string;
  constructor(private readonly userDataDir: string) {
    this.file = join(userDataDir, 'calibration-library.json');
  }

  entries(encoderSha: string): LibraryEntry[] {
    return this.read()[encoderSha] ?? [];
  }

  async add(encoderSha: string, e: LibraryEntry): Promise<void> {
    const lib = this.read();
    const list = (lib[encoderSha] ?? []).filter((x) => !(x.a === e.a && x.b === e.b && x.label === e.label));
    lib[encoderSha] = [e, ...list].slice(0, MAX_PER_ENCODER);
    await mkdir(this.userDataDir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(lib, null, 2));
    await rename(tmp, this.file);
  }

  private read(): Library {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Library) : {};
    } catch {
      return {};
    }
  }
}
