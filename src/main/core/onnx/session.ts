import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { ort } from './ort';
import type { ProviderName, ProviderReport } from '../../../shared/contract';

// Execution providers: the fastest one that can actually be created on this machine, with the reason each
// faster one was skipped recorded (shown to the user), and sessions cached per model + exposed outputs.

export type Session = ort.InferenceSession;

/** Preference order on this platform; CPU always last. */
export function providerOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  const order: ProviderName[] = [];
  if (platform === 'linux' || platform === 'win32') order.push('cuda');
  if (platform === 'win32') order.push('dml');
  if (platform === 'darwin') order.push('coreml');
  order.push('cpu');
  return order;
}

function bindingDir(): string | null {
  try {
    const main = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** Why a provider cannot be used here without trying it (null = worth trying). */
export function precheck(p: ProviderName): string | null {
  if (p === 'cpu') return null;
  const listed = ort.listSupportedBackends().map((b) => b.name as string);
  const native: Record<ProviderName, string> = { cuda: 'cuda', dml: 'dml', coreml: 'coreml', cpu: 'cpu' };
  if (!listed.includes(native[p])) return `not built into onnxruntime-node on ${process.platform}/${process.arch}`;
  if (p === 'cuda') {
    const dir = bindingDir();
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    // Checked before trying: a failed CUDA load prints a long native error to stderr.
    if (!dir || !existsSync(join(dir, lib))) return 'provider files not installed (run npm run install:cuda)';
  }
  return null;
}

export function defaultThreads(): number {
  return availableParallelism();
}

export interface SessionRequest {
  provider?: ProviderName;
  threads?: number;
}

/** Create a session on the first provider that works; the report says which and why others were skipped. */
export async function createSession(model: Uint8Array, req: SessionRequest = {}): Promise<{ session: Session; report: ProviderReport }> {
  const threads = req.threads ?? defaultThreads();
  const order = req.provider ? [...new Set<ProviderName>([req.provider, 'cpu'])] : providerOrder();
  const tried: ProviderReport['tried'] = [];
  let lastError: unknown;
  for (const provider of order) {
    const skip = precheck(provider);
    if (skip) {
      tried.push({ provider, ok: false, reason: skip });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Set on purpose: one run uses all cores; no inter-op pool (our graphs are sequential).
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
        // No spin-waiting between ops: image decoding (sharp's threads) runs beside inference, and spinning
        // workers starve it; on a busy 2-core machine ResNet-50 measured 3.8 vs 2.7-3.1 img/s without spinning.
        extra: { session: { intra_op: { allow_spinning: process.env.NWB_ORT_SPIN === '1' ? '1' : '0' } } },
      });
      tried.push({ provider, ok: true, reason: null });
      return { session, report: { used: provider, tried, threads } };
    } catch (e) {
      lastError = e;
      tried.push({ provider, ok: false, reason: e instanceof Error ? e.message.split('\n')[0].slice(0, 300) : String(e) });
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Provider choice without a model: what createSession would pick, by prechecks only. */
export function providerReport(req: SessionRequest = {}): ProviderReport {
  const order = req.provider ? [...new Set<ProviderName>([req.provider, 'cpu'])] : providerOrder();
  const tried: ProviderReport['tried'] = [];
  for (const provider of order) {
    const reason = precheck(provider);
    tried.push({ provider, ok: reason === null, reason });
    if (reason === null) return { used: provider, tried, threads: req.threads ?? defaultThreads() };
  }
  return { used: 'cpu', tried, threads: req.threads ?? defaultThreads() };
}

interface CacheEntry {
  key: string;
  value: Promise<{ session: Session; report: ProviderReport }>;
}

/** A small LRU of sessions keyed by model sha + exposed outputs + provider + threads. */
export class SessionCache {
  private entries: CacheEntry[] = [];
  constructor(private readonly capacity = 3) {}

  get(
    key: string,
    make: () => Promise<{ session: Session; report: ProviderReport }>,
  ): Promise<{ session: Session; report: ProviderReport }> {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i >= 0) {
      const [hit] = this.entries.splice(i, 1);
      this.entries.unshift(hit);
      return hit.value;
    }
    const value = make();
    value.catch(() => (this.entries = this.entries.filter((e) => e.value !== value)));
    this.entries.unshift({ key, value });
    for (const old of this.entries.splice(this.capacity)) void old.value.then((s) => s.session.release()).catch(() => undefined);
    return value;
  }

  async clear(): Promise<void> {
    const all = this.entries.splice(0);
    await Promise.all(all.map((e) => e.value.then((s) => s.session.release()).catch(() => undefined)));
  }
}

export function sessionKey(sha: string, outputs: readonly string[], req: SessionRequest): string {
  return [sha, outputs.join('\u0001'), req.provider ?? 'auto', req.threads ?? defaultThreads()].join('|');
}

/** Run one batch: float32 input in, named float outputs out (copied out of onnxruntime's buffers). */
export async function runBatch(
  session: Session,
  input: string,
  data: Float32Array,
  dims: number[],
  outputs: readonly string[],
): Promise<Map<string, { data: Float32Array; dims: number[] }>> {
  const feeds = { [input]: new ort.Tensor('float32', data, dims) };
  const res = await session.run(feeds, [...outputs]);
  const out = new Map<string, { data: Float32Array; dims: number[] }>();
  for (const name of outputs) {
    const t = res[name];
    if (t.type !== 'float32') throw new Error(`tensor '${name}' is ${t.type}, not float32`);
    out.set(name, { data: t.data as Float32Array, dims: [...t.dims] });
  }
  return out;
}
