import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  UPLOAD_IMAGE_EXTENSIONS,
  UPLOAD_LIMITS,
  type UploadBeginInput,
  type UploadBeginResult,
  type UploadChunkInput,
  type UploadChunkResult,
  type UploadFile,
  type UploadFinishResult,
} from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { formatBytes, freeBytes, fsError } from '../../platform/files/fsErrors';
import { checkWriteTarget } from '../../platform/files/safeWrite';

// Browser-mode drops (docs/probe-import.md). A browser never tells the page where a dropped folder is, so the
// page reads the files and sends them here, into a folder the project owns:
//
//   <project dir>/<project name>.uploads/<name>/<relPath>        the images, as dropped (the import's root)
//   <project dir>/<project name>.uploads/<name>/.labels.csv      the labels CSV, if the drop had one
//   <project dir>/<project name>.uploads/<name>/.partial/<key>   bytes of files still arriving
//
// Hidden entries are never imported, so the partial files and the CSV stay out of the probe set. A file is
// described first (relative path, size, SHA-256); its bytes arrive in order into its partial file, and when the
// last byte is in, the partial is hashed and renamed into place, so the folder only ever holds whole, checked
// files. A file already there with the same size and hash is not sent again (a re-drop sends nothing), and a
// partial file keeps what arrived before an interruption (the next drop continues from its length). Every
// write target passes the safe-write check (never a project file, its journals or cache), and every folder on
// the way is checked to be a real folder inside the upload folder (a symlink cannot lead a write out).

type Dir = { uploads: string; root: string };

interface Session {
  name: string;
  dir: Dir;
  files: Map<string, UploadFile>;
  labelsCsv: UploadFile | null;
  bytes: number;
}

const gib = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GB`;
const IMAGE_EXT = new Set<string>(UPLOAD_IMAGE_EXTENSIONS);
const LABELS_FILE = '.labels.csv';
const PARTIAL_DIR = '.partial';

function refuse(path: string, why: string, fix: string): never {
  throw new AppError('bad_input', `Refusing to upload "${path}": ${why}. ${fix}`, { path });
}

const extOf = (p: string): string => {
  const b = p.slice(p.lastIndexOf('/') + 1);
  const dot = b.lastIndexOf('.');
  return dot > 0 ? b.slice(dot).toLowerCase() : '';
};

/** One folder or file name: no separators, not '.', '..' or hidden, no control characters, at most 255 bytes. */
function checkSegment(whole: string, seg: string): void {
  if (seg === '') refuse(whole, 'it has an empty folder name (// or a trailing /)', 'Send paths like "class/image.png".');
  if (seg === '.' || seg === '..')
    refuse(whole, `"${seg}" would leave the upload folder`, 'Send paths relative to the dropped folder, without . or ..');
  if (seg.startsWith('.')) refuse(whole, `"${seg}" is hidden, and the import ignores hidden entries`, 'Leave hidden files out.');
  if ([...seg].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    refuse(whole, 'a name holds a control character', 'Rename the file.');
  if (Buffer.byteLength(seg, 'utf8') > 255) refuse(whole, 'a name is longer than 255 bytes', 'Rename the file.');
}

/** A relative, '/'-separated path below the dropped folder, of an image type. Exported for the tests' table. */
export function checkRelPath(relPath: string, kind: 'image' | 'csv' = 'image'): void {
  if (relPath.startsWith('/') || /^[A-Za-z]:/.test(relPath) || relPath.startsWith('\\\\'))
    refuse(relPath, 'it is an absolute path', 'Send paths relative to the dropped folder, e.g. "Sandal/0001.png".');
  if (relPath.includes('\\')) refuse(relPath, 'it contains a backslash', 'Separate folders with "/".');
  for (const seg of relPath.split('/')) checkSegment(relPath, seg);
  const ext = extOf(relPath);
  if (kind === 'csv' && ext !== '.csv') refuse(relPath, 'a labels file must end in .csv', 'Give the labels CSV, or leave it out.');
  if (kind === 'image' && !IMAGE_EXT.has(ext))
    refuse(
      relPath,
      `"${ext || 'no extension'}" is not an image type the upload takes`,
      `Upload ${UPLOAD_IMAGE_EXTENSIONS.join(', ')} files only.`,
    );
}

function checkName(name: string): void {
  if (name.trim() !== name) refuse(name, 'the folder name starts or ends with a space', 'Rename the folder.');
  if (/[/\\]/.test(name)) refuse(name, 'a folder name cannot hold / or \\', "Give the dropped folder's own name.");
  checkSegment(name, name);
}

/** `<dir>/<base>.uploads`: the project's upload folder, next to the project file (like its .cache folder). */
export function projectUploadsDir(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath).replace(/\.nwb$/i, '')}.uploads`);
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw fsError(e, path, 'read');
  }
}

/**
 * Make `rel`'s folders below `base` (which must exist) and check each is a real folder, not a symlink or a file:
 * nothing written through them can land outside the upload folder.
 */
async function realFolder(base: string, relDir: string, shown: string): Promise<string> {
  let dir = base;
  for (const seg of relDir ? relDir.split('/') : []) {
    dir = join(dir, seg);
    const st = await statOrNull(dir);
    if (!st) {
      try {
        await mkdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, dir, 'create');
      }
      const again = await lstat(dir);
      if (again.isDirectory()) continue;
    } else if (st.isDirectory()) continue;
    throw new AppError(
      'protected_path',
      `Refusing to upload "${shown}": ${dir} is ${st?.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}, and uploads only write into real folders of ${base}. Remove it, then drop the folder again.`,
      { path: shown, at: dir },
    );
  }
  return dir;
}

export function createUploads(state: BackendState) {
  const sessions = new Map<string, Session>();

  async function dirsOf(name: string, create: boolean): Promise<Dir> {
    const project = state.requireProject();
    const uploads = projectUploadsDir(project.path);
    const root = join(uploads, name);
    if (create) {
      try {
        await mkdir(uploads, { recursive: true });
      } catch (e) {
        throw fsError(e, uploads, 'create');
      }
      const st = await lstat(uploads);
      if (!st.isDirectory())
        throw new AppError(
          'protected_path',
          `Refusing to upload: ${uploads} is not a real folder. Move it away, then drop the folder again.`,
          {
            path: uploads,
          },
        );
      await realFolder(uploads, name, name);
      await realFolder(root, PARTIAL_DIR, name);
    }
    return { uploads: await realpath(uploads).catch(() => uploads), root };
  }

  const keyOf = (root: string, name: string): string => `${root}\u0000${name}`;

  function session(name: string): Session {
    const project = state.requireProject();
    const s = sessions.get(keyOf(projectUploadsDir(project.path), name));
    if (!s)
      throw new AppError(
        'not_found',
        `No upload named "${name}" is in progress. Drop the folder again (probe.upload.begin describes its files first).`,
        {
          name,
        },
      );
    return s;
  }

  /** Where a described file ends up, and its partial file. */
  function targets(s: Session, f: UploadFile, isCsv: boolean): { final: string; partial: string; relDir: string } {
    const partialKey = createHash('sha256').update(`${f.relPath}\u0000${f.sha256}`).digest('hex');
    const partial = join(s.dir.root, PARTIAL_DIR, partialKey);
    if (isCsv) return { final: join(s.dir.root, LABELS_FILE), partial, relDir: '' };
    const slash = f.relPath.lastIndexOf('/');
    return { final: join(s.dir.root, ...f.relPath.split('/')), partial, relDir: slash < 0 ? '' : f.relPath.slice(0, slash) };
  }

  /** 'have' when the final file is there with this size and hash; otherwise the bytes its partial already holds. */
  async function progressOf(s: Session, f: UploadFile, isCsv: boolean): Promise<'have' | number> {
    const t = targets(s, f, isCsv);
    const st = await statOrNull(t.final);
    if (st?.isFile() && st.size === f.bytes && (await sha256File(t.final)) === f.sha256) return 'have';
    const p = await statOrNull(t.partial);
    if (!p?.isFile()) return 0;
    if (p.size > f.bytes) {
      await unlink(t.partial).catch(() => undefined);
      return 0;
    }
    return p.size;
  }

  /** Check the partial's hash and move it into place (through the safe-write check: never over a project). */
  async function complete(s: Session, f: UploadFile, isCsv: boolean): Promise<void> {
    const t = targets(s, f, isCsv);
    const got = await sha256File(t.partial);
    if (got !== f.sha256) {
      await unlink(t.partial).catch(() => undefined);
      throw new AppError(
        'bad_input',
        `The bytes received for "${f.relPath}" do not match its SHA-256 (expected ${f.sha256}, got ${got}); they were discarded. Drop the folder again to resend it.`,
        { path: f.relPath, expected: f.sha256, got },
      );
    }
    await realFolder(s.dir.root, t.relDir, f.relPath);
    const full = checkWriteTarget({ path: t.final, overwrite: true, protectedProjects: state.openProjectPaths() });
    const existing = await statOrNull(full);
    if (existing && !existing.isFile())
      throw new AppError(
        'protected_path',
        `Refusing to upload "${f.relPath}": ${full} is not a regular file. Remove it, then drop the folder again.`,
        {
          path: f.relPath,
        },
      );
    try {
      await rename(t.partial, full);
    } catch (e) {
      throw fsError(e, full, 'write');
    }
  }

  async function begin(input: UploadBeginInput): Promise<UploadBeginResult> {
    checkName(input.name);
    const project = state.requireProject();
    const key = keyOf(projectUploadsDir(project.path), input.name);
    let s = input.more ? sessions.get(key) : undefined;
    if (input.more && !s)
      throw new AppError('not_found', `No upload named "${input.name}" is in progress to add files to. Start with more: false.`, {
        name: input.name,
      });
    if (input.more && input.labelsCsv)
      refuse(input.labelsCsv.relPath, 'the labels CSV is described in the first call', 'Send it with more: false.');
    for (const f of input.files) checkRelPath(f.relPath);
    if (input.labelsCsv) checkRelPath(input.labelsCsv.relPath, 'csv');
    const seen = new Set<string>();
    for (const f of input.files) {
      if (seen.has(f.relPath) || s?.files.has(f.relPath)) refuse(f.relPath, 'it is listed twice', 'List each file once.');
      seen.add(f.relPath);
    }
    const prior = s;
    const files = prior?.files.size ?? 0;
    const bytes = (prior?.bytes ?? 0) + input.files.reduce((a, f) => a + f.bytes, 0) + (input.labelsCsv?.bytes ?? 0);
    if (files + input.files.length > UPLOAD_LIMITS.maxFiles)
      throw new AppError(
        'bad_input',
        `The drop has more than ${UPLOAD_LIMITS.maxFiles.toLocaleString('en-US')} files, the most one upload takes. Import a folder this large from the desktop app or by its path (probe.import --root).`,
        { files: files + input.files.length },
      );
    if (bytes > UPLOAD_LIMITS.maxTotalBytes)
      throw new AppError(
        'bad_input',
        `The drop holds ${gib(bytes)}, over the ${gib(UPLOAD_LIMITS.maxTotalBytes)} one upload takes. Import a folder this large by its path (probe.import --root).`,
        { bytes },
      );
    const dir = await dirsOf(input.name, true);
    if (!s) {
      s = { name: input.name, dir, files: new Map(), labelsCsv: input.labelsCsv ?? null, bytes: 0 };
      sessions.set(key, s);
    }
    for (const f of input.files) s.files.set(f.relPath, f);
    s.bytes = bytes;

    const out: UploadBeginResult = { root: dir.root, have: 0, haveBytes: 0, need: [] };
    let needBytes = 0;
    const all: [UploadFile, boolean][] = input.files.map((f) => [f, false]);
    if (input.labelsCsv) all.push([input.labelsCsv, true]);
    for (const [f, isCsv] of all) {
      if (f.bytes === 0 && !isCsv) {
        // Nothing to send: an empty file is written now (the import then skips it as 'empty', as from a disk).
        const t = targets(s, f, false);
        const st = await statOrNull(t.final);
        if (!(st?.isFile() && st.size === 0)) {
          await realFolder(s.dir.root, t.relDir, f.relPath);
          const full = checkWriteTarget({ path: t.final, overwrite: true, protectedProjects: state.openProjectPaths() });
          const fh = await open(full, 'w').catch((e: unknown) => {
            throw fsError(e, full, 'write');
          });
          await fh.close();
        }
        out.have++;
        continue;
      }
      const p = await progressOf(s, f, isCsv);
      if (p === 'have') {
        out.have++;
        out.haveBytes += f.bytes;
      } else {
        out.need.push({ relPath: f.relPath, offset: p });
        needBytes += f.bytes - p;
      }
    }
    const free = freeBytes(dir.root);
    if (free !== undefined && needBytes > free)
      throw new AppError(
        'disk_full',
        `The upload needs ${formatBytes(needBytes)} more and the disk holding ${dir.uploads} has ${formatBytes(free)} free. Free some space, then drop the folder again.`,
        { path: dir.uploads, needBytes, freeBytes: free },
      );
    return out;
  }

  async function chunk(input: UploadChunkInput): Promise<UploadChunkResult> {
    const s = session(input.name);
    let total = 0;
    const decoded = input.pieces.map((p) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(p.data) || p.data.length % 4 !== 0)
        throw new AppError('bad_input', `The bytes sent for "${p.relPath}" are not base64.`, { path: p.relPath });
      const data = Buffer.from(p.data, 'base64');
      total += data.length;
      return { ...p, data };
    });
    if (total > UPLOAD_LIMITS.chunkBytes)
      throw new AppError(
        'bad_input',
        `One probe.upload.chunk call carries at most ${formatBytes(UPLOAD_LIMITS.chunkBytes)}; this one has ${formatBytes(total)}.`,
        {
          bytes: total,
        },
      );
    const out = { bytes: 0, completed: [] as string[] };
    for (const p of decoded) {
      const isCsv = s.labelsCsv?.relPath === p.relPath;
      const f = isCsv ? s.labelsCsv : s.files.get(p.relPath);
      if (!f) {
        checkRelPath(p.relPath); // a path that is not even valid is refused as such, naming it
        throw new AppError(
          'not_found',
          `"${p.relPath}" is not a file of the upload "${s.name}". Describe it with probe.upload.begin first.`,
          {
            path: p.relPath,
          },
        );
      }
      const t = targets(s, f, isCsv);
      const st = await statOrNull(t.partial);
      const have = st?.isFile() ? st.size : 0;
      if (p.offset !== have)
        throw new AppError(
          'bad_input',
          `"${p.relPath}": bytes from ${p.offset} were sent, but ${have} have arrived, so the next piece starts at ${have}. Drop the folder again to continue from there.`,
          { path: p.relPath, offset: p.offset, expected: have },
        );
      if (have + p.data.length > f.bytes)
        throw new AppError('bad_input', `"${p.relPath}" was described as ${f.bytes} bytes, and more arrived. Drop the folder again.`, {
          path: p.relPath,
        });
      checkWriteTarget({ path: t.partial, overwrite: true, protectedProjects: state.openProjectPaths() });
      let fh;
      try {
        fh = await open(t.partial, 'a');
        await fh.write(p.data);
        await fh.sync();
      } catch (e) {
        throw fsError(e, t.partial, 'write');
      } finally {
        await fh?.close();
      }
      out.bytes += p.data.length;
      if (have + p.data.length === f.bytes) {
        await complete(s, f, isCsv);
        out.completed.push(p.relPath);
      }
    }
    return out;
  }

  async function finish(name: string): Promise<UploadFinishResult> {
    const s = session(name);
    const all: [UploadFile, boolean][] = [...s.files.values()].map((f) => [f, false]);
    if (s.labelsCsv) all.push([s.labelsCsv, true]);
    const missing: string[] = [];
    for (const [f, isCsv] of all) {
      const st = await statOrNull(targets(s, f, isCsv).final);
      if (!st?.isFile() || st.size !== f.bytes) missing.push(f.relPath);
    }
    if (missing.length)
      throw new AppError(
        'bad_input',
        `The upload "${name}" is not complete: ${missing.length} file${missing.length === 1 ? '' : 's'} did not arrive (e.g. "${missing[0]}"). Drop the folder again to send the rest.`,
        { missing: missing.slice(0, 20) },
      );
    // The folder mirrors the drop: files of an earlier drop under this name that this one does not have go,
    // as they would from a re-imported folder on disk. Hidden entries (the CSV, partials) are the upload's own.
    let removed = 0;
    const keep = new Set(s.files.keys());
    const sweep = async (abs: string, rel: string): Promise<boolean> => {
      let empty = true;
      for (const e of await readdir(abs, { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        const full = join(abs, e.name);
        if (e.name.startsWith('.')) {
          if (!rel && e.name === LABELS_FILE && !s.labelsCsv) await unlink(full);
          else if (!rel && e.name === PARTIAL_DIR) await rm(full, { recursive: true, force: true });
          else empty = false;
        } else if (e.isDirectory()) {
          if (await sweep(full, r)) await rmdir(full).catch(() => undefined);
          else empty = false;
        } else if (!keep.has(r)) {
          await unlink(full);
          removed++;
        } else empty = false;
      }
      return empty;
    };
    try {
      await sweep(s.dir.root, '');
    } catch (e) {
      throw fsError(e, s.dir.root, 'remove');
    }
    sessions.delete(keyOf(projectUploadsDir(state.requireProject().path), name));
    const root = await realpath(s.dir.root);
    return { root, labelsCsv: s.labelsCsv ? join(root, LABELS_FILE) : null, files: s.files.size, bytes: s.bytes, removed };
  }

  return { begin, chunk, finish };
}
