import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { DescriberInfo, DescriberRole, EndpointSpec } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import { hashNamedFiles, stampOf, stampStatus } from '../../platform/files/fileStamp';
import type { DescriberLibrary, LibraryEntry } from './library';
import { inspectModel, inspectEndpointSpec } from './runtimes';

// Adding, listing and checking the models of the library. A model is validated by its runtime's inspector (which
// names the missing or bad file), then hashed with progress; the hash, not the path, identifies it in every cache.

/** The role with its article, as a sentence names it. */
const ROLE_WORDS: Record<DescriberRole, string> = {
  captioner: 'a captioner',
  language_model: 'a language model',
  image_generator: 'an image generator',
  text_embedder: 'a text embedder',
};

/** Sorted-key JSON: the same value always gives the same text, so it can be hashed as a cache key. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export const sha256Text = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Where an entry's files are: the folder itself, or the folder holding a single-file model. */
function filesRoot(e: Pick<LibraryEntry, 'path' | 'format'>): string {
  return e.format === 'gguf' ? dirname(e.path!) : e.path!;
}

export function describerStatus(e: LibraryEntry): DescriberInfo['status'] {
  return e.path === null ? 'ok' : stampStatus(e.path, e.stamp);
}

export function describerInfo(e: LibraryEntry): DescriberInfo {
  const { endpoint } = e;
  return {
    id: e.id,
    role: e.role,
    format: e.format,
    name: e.name,
    path: e.path,
    endpoint: endpoint && {
      baseUrl: endpoint.baseUrl,
      model: endpoint.model,
      allowRemote: endpoint.allowRemote,
      timeoutSeconds: endpoint.timeoutSeconds,
      retries: endpoint.retries,
      hasApiKey: !!endpoint.apiKey,
    },
    sha256: e.sha256,
    files: e.files,
    bytes: e.bytes,
    details: e.details,
    status: describerStatus(e),
    addedAt: e.addedAt,
  };
}

/** An entry whose files are all there and unchanged, or a clear error saying what to do. */
export function requireUsable<R extends DescriberRole>(lib: DescriberLibrary, id: number, role: R): LibraryEntry & { role: R } {
  const e = lib.get(id);
  if (e.role !== role)
    throw new AppError('bad_input', `Generative model ${id} (${e.name}) is ${ROLE_WORDS[e.role]}, not ${ROLE_WORDS[role]}.`);
  const status = describerStatus(e);
  if (status === 'missing')
    throw new AppError('not_found', `The files of ${e.name} are gone from ${e.path}. Restore them, or remove it and add it again.`, {
      path: e.path,
    });
  if (status === 'changed')
    throw new AppError(
      'describer_invalid',
      `The files of ${e.name} in ${e.path} changed since they were added (size or time differs), so cached results would not match them. Add the folder again (describer.add) to hash the new files.`,
      { path: e.path },
    );
  return e as LibraryEntry & { role: R };
}

function hashFilesOf(root: string, files: string[], ctx: CallContext) {
  return hashNamedFiles(
    files.map((f) => ({ name: f, path: join(root, f) })),
    {
      signal: ctx.signal,
      onProgress: (d, t) => ctx.progress({ done: d, total: t, message: `hashing ${(d / 1e6).toFixed(1)} of ${(t / 1e6).toFixed(1)} MB` }),
    },
  );
}

export async function addDescriber(
  lib: DescriberLibrary,
  input: { role: DescriberRole; path?: string; endpoint?: EndpointSpec; name?: string },
  ctx: CallContext,
): Promise<LibraryEntry> {
  const addedAt = new Date().toISOString();
  if (input.endpoint) {
    if (input.path) throw new AppError('bad_input', 'Give either a path or an endpoint, not both.');
    if (input.role !== 'language_model')
      throw new AppError('bad_input', `Endpoints serve language models only; ${ROLE_WORDS[input.role]} is added from a local folder.`);
    const ep = input.endpoint;
    const inspected = await inspectEndpointSpec(ep, ctx.signal);
    const sha256 = sha256Text(`endpoint\0${ep.baseUrl}\0${ep.model}`);
    const same = lib.list().find((x) => x.sha256 === sha256 && x.role === input.role);
    if (same) return same;
    return lib.add({
      role: input.role,
      format: 'endpoint',
      name: input.name ?? `${ep.model} @ ${new URL(ep.baseUrl).host}`,
      path: null,
      endpoint: ep,
      sha256,
      files: [],
      bytes: 0,
      details: inspected.details,
      stamp: {},
      addedAt,
    });
  }
  if (!input.path) throw new AppError('bad_input', `Give the path of ${ROLE_WORDS[input.role]} to add (a folder or a file).`);
  const path = resolve(input.path);
  try {
    statSync(path);
  } catch {
    throw new AppError('not_found', `${path} does not exist. Check the path (it is read on the machine running the backend).`, { path });
  }
  const inspected = await inspectModel(input.role, path);
  const root = inspected.format === 'gguf' ? dirname(path) : path;
  const { sha256, bytes } = await hashFilesOf(root, inspected.files, ctx);
  const existing = lib.find(input.role, sha256, path);
  if (existing) return existing;
  return lib.add({
    role: input.role,
    format: inspected.format,
    name: input.name ?? basename(path),
    path,
    endpoint: null,
    sha256,
    files: inspected.files,
    bytes,
    details: inspected.details,
    stamp: stampOf(inspected.files.map((f) => join(root, f))),
    addedAt,
  });
}

/** Re-validate and re-hash a model's files now (or ask an endpoint what it serves). */
export async function checkDescriber(
  lib: DescriberLibrary,
  id: number,
  ctx: CallContext,
): Promise<{ status: DescriberInfo['status']; sha256Now: string | null; message: string }> {
  const e = lib.get(id);
  if (e.endpoint) {
    const r = await inspectEndpointSpec(e.endpoint, ctx.signal);
    return { status: 'ok', sha256Now: null, message: `${e.endpoint.baseUrl} answers: ${r.details.models ?? 'no model list'}.` };
  }
  if (describerStatus(e) === 'missing')
    return { status: 'missing', sha256Now: null, message: `Files of ${e.name} are missing from ${e.path}.` };
  await inspectModel(e.role, e.path!);
  const root = filesRoot(e);
  const { sha256 } = await hashFilesOf(root, e.files, ctx);
  // Same content (the files were only touched or copied back): take the new size + time as the reference again.
  if (sha256 === e.sha256) await lib.update(e.id, { stamp: stampOf(e.files.map((f) => join(root, f))) });
  return sha256 === e.sha256
    ? { status: 'ok', sha256Now: sha256, message: `${e.name}: valid, and its files hash as when they were added.` }
    : {
        status: 'changed',
        sha256Now: sha256,
        message: `${e.name}: the files are valid but their content changed since they were added. Add the folder again to use the new files.`,
      };
}
