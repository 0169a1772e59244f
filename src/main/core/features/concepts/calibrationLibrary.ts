import { join } from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../platform/files/jsonFile';

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
  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'calibration-library.json');
  }

  entries(encoderSha: string): LibraryEntry[] {
    return this.read()[encoderSha] ?? [];
  }

  async add(encoderSha: string, e: LibraryEntry): Promise<void> {
    const lib = this.read();
    const list = (lib[encoderSha] ?? []).filter((x) => !(x.a === e.a && x.b === e.b && x.label === e.label));
    lib[encoderSha] = [e, ...list].slice(0, MAX_PER_ENCODER);
    await writeJsonAtomic(this.file, lib);
  }

  private read(): Library {
    const parsed = readJsonFile(this.file);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Library) : {};
  }
}
