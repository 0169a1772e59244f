import type { DescriberRole, EndpointSpec } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { inspectCaptionerFolder, loadCaptioner } from './captioner';
import { inspectDiffusersFolder, loadDiffusionPipeline } from './generator';
import { createEndpointModel, inspectEndpoint, inspectGguf, loadGgufModel } from './languageModel';
import type { LibraryEntry } from './library';
import type { Captioner, ImageGenerator, InspectedModel, LanguageModel, TextEmbedder } from './roles';
import { inspectTextEmbedderFolder, loadTextEmbedder } from './textEmbedder';

// Which runtime serves which role and format, and the loaded models. Loading a real model takes seconds to minutes
// (an SD export is gigabytes), so at most one model per role stays loaded for the life of the backend, keyed by
// library id + content hash; loading another model of the role disposes the previous one.

export function inspectModel(role: DescriberRole, path: string): Promise<InspectedModel> {
  switch (role) {
    case 'captioner':
      return inspectCaptionerFolder(path);
    case 'language_model':
      return inspectGguf(path);
    case 'image_generator':
      return inspectDiffusersFolder(path);
    case 'text_embedder':
      return inspectTextEmbedderFolder(path);
  }
}

const endpointOptions = (ep: EndpointSpec) => ({
  baseUrl: ep.baseUrl,
  model: ep.model,
  apiKey: ep.apiKey,
  timeoutMs: ep.timeoutSeconds * 1000,
  retries: ep.retries,
  allowRemote: ep.allowRemote,
});

export function inspectEndpointSpec(ep: EndpointSpec, signal: AbortSignal): Promise<InspectedModel> {
  if (signal.aborted) throw new AppError('cancelled', 'Cancelled before the endpoint was asked.');
  return inspectEndpoint(endpointOptions(ep));
}

interface RoleModels {
  captioner: Captioner;
  language_model: LanguageModel;
  image_generator: ImageGenerator;
  text_embedder: TextEmbedder;
}

interface Loaded {
  key: string;
  model: Promise<Captioner | LanguageModel | ImageGenerator | TextEmbedder>;
}

const loaded = new Map<DescriberRole, Loaded>();

export interface LoadHooks {
  signal: AbortSignal;
  onProgress?: (fraction: number) => void;
}

function load(e: LibraryEntry, hooks: LoadHooks): Promise<Captioner | LanguageModel | ImageGenerator | TextEmbedder> {
  // Loading is shared by later callers: it must not die with the first caller's cancel.
  const opts = { signal: new AbortController().signal, onProgress: hooks.onProgress };
  switch (e.role) {
    case 'captioner':
      return loadCaptioner(e.path!, opts);
    case 'language_model':
      return e.endpoint
        ? Promise.resolve(createEndpointModel(endpointOptions(e.endpoint)))
        : loadGgufModel(e.path!, { ...opts, gpu: 'auto' });
    case 'image_generator':
      return loadDiffusionPipeline(e.path!, opts);
    case 'text_embedder':
      return loadTextEmbedder(e.path!, opts);
  }
}

/** The loaded model of an entry (loading it, and unloading the role's previous model, when needed). */
export async function runtimeFor<R extends DescriberRole>(e: LibraryEntry & { role: R }, hooks: LoadHooks): Promise<RoleModels[R]> {
  const key = `${e.id}:${e.sha256}`;
  let cur = loaded.get(e.role);
  if (cur?.key !== key) {
    if (cur) void cur.model.then((m) => m.dispose()).catch(() => undefined);
    cur = { key, model: load(e, hooks) };
    loaded.set(e.role, cur);
    // A failed load is not kept: the next call tries again (after the user fixed the files).
    cur.model.catch(() => {
      if (loaded.get(e.role) === cur) loaded.delete(e.role);
    });
  }
  const model = await abortable(cur.model, hooks.signal);
  return model as RoleModels[R];
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AppError('cancelled', 'Cancelled while the model was loading.'));
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(new AppError('cancelled', 'Cancelled while the model was loading (it keeps loading for the next call).'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(res, rej).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Unload the model of a library entry if it is loaded (it was removed from the library). */
export function unloadDescriber(id: number): void {
  for (const [role, l] of loaded)
    if (l.key.startsWith(`${id}:`)) {
      loaded.delete(role);
      void l.model.then((m) => m.dispose()).catch(() => undefined);
    }
}

/** Unload every model (backend dispose). */
export async function disposeRuntimes(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  await Promise.all(all.map((l) => l.model.then((m) => m.dispose()).catch(() => undefined)));
}
