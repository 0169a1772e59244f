/**
 * Language-model benchmark (docs/language-model.md): the fixture GGUF (resources/fixtures/describers/language_model)
 * run by node-llama-cpp on 1 and 2 CPU threads.
 *   prompt tokens/s      one evaluation of the longest golden prompt (a chat-formatted list of captions), median of 20
 *   generation tokens/s  greedy, 100 tokens after that prompt (end tokens ignored, so every run makes 100)
 *   answer seconds       loadGgufModel(...).complete() of the JSON-schema chat request: template, grammar, validation
 * Reference in the same run: the same weights in the PyTorch module the fixture was trained with
 * (bench/python/lm_torch.py, /usr/bin/python3, same threads; generation with a key/value cache); skipped with a note
 * when python3/torch is missing. Prints ONE JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGgufModel } from '../src/main/core/features/describers/languageModel';

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';
const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');

const ROOT = join(import.meta.dirname, '..');
const GGUF = join(ROOT, 'resources/fixtures/describers/language_model/fmnist-concepts.gguf');
const golden = JSON.parse(readFileSync(join(ROOT, 'resources/fixtures/describers/language_model_golden.json'), 'utf8')) as {
  golden: { mode: string; json: boolean; system: string | null; prompt: string; prompt_ids: number[] }[];
};
const longest = [...golden.golden].sort((a, b) => b.prompt_ids.length - a.prompt_ids.length)[0];
const jsonChat = golden.golden.find((g) => g.mode === 'chat' && g.json)!;
const GENERATE = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: 0 });
const model = await llama.loadModel({ modelPath: GGUF, gpuLayers: 0 });

async function nodeRun(threads: number) {
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads });
  const seq = context.getSequence();
  const prompt = longest.prompt_ids.map(Number) as Parameters<typeof seq.evaluateWithoutGeneratingNewTokens>[0];
  const ts: number[] = [];
  for (let r = 0; r < 21; r++) {
    await seq.clearHistory();
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    if (r > 0) ts.push(performance.now() - t0); // the first is a warm-up
  }
  const promptMs = median(ts);
  await seq.clearHistory();
  await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  let n = 0;
  const t0 = performance.now();
  for await (const _ of seq.evaluate(prompt.slice(-1), { temperature: 0, yieldEogToken: true })) if (++n >= GENERATE) break;
  const genMs = performance.now() - t0;
  await context.dispose();
  return {
    threads,
    prompt_tokens: prompt.length,
    prompt_tokens_per_s: prompt.length / (promptMs / 1000),
    generated: n,
    generation_tokens_per_s: n / (genMs / 1000),
  };
}

async function answerRun(threads: number) {
  const lm = await loadGgufModel(GGUF, { signal: new AbortController().signal, threads });
  const schema = { type: 'object', properties: { concept: { type: 'string' } }, required: ['concept'], additionalProperties: false };
  const req = { prompt: jsonChat.prompt, schema, chat: true, maxTokens: 24, temperature: 0, topK: 40, topP: 1, seed: 0 };
  const ts: number[] = [];
  let text = '';
  for (let r = 0; r < 11; r++) {
    const c = await lm.complete(req, new AbortController().signal);
    if (r > 0) ts.push(c.seconds);
    text = c.text;
  }
  await lm.dispose();
  return { threads, answer_seconds: median(ts), answer: text };
}

function torchRun(threads: number): Record<string, unknown> {
  const spec = join(tmpdir(), `nwb-lm-bench-${process.pid}.json`);
  writeFileSync(spec, JSON.stringify({ prompt_ids: longest.prompt_ids, generate: GENERATE }));
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'bench/python/lm_torch.py'), GGUF, String(threads), spec], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !line)
    return { skipped: `PyTorch reference did not run (${r.error?.message ?? r.stderr?.trim().split('\n').at(-1) ?? 'no output'})` };
  return JSON.parse(line) as Record<string, unknown>;
}

const results = [];
for (const threads of [1, 2]) {
  const node = await nodeRun(threads);
  const answer = await answerRun(threads);
  const torch = torchRun(threads);
  const ratio = (k: 'prompt_tokens_per_s' | 'generation_tokens_per_s') =>
    typeof torch[k] === 'number' ? +(node[k] / (torch[k] as number)).toFixed(2) : null;
  results.push({
    threads,
    node_llama_cpp: node,
    runtime_answer: answer,
    pytorch: torch,
    speedup: { prompt: ratio('prompt_tokens_per_s'), generation: ratio('generation_tokens_per_s') },
  });
}
await model.dispose();
console.log(
  JSON.stringify({
    model: 'fmnist-concepts.gguf (llama, 2 layers, width 64, f32)',
    results,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    note: 'CPU only (gpu: false). Speedup = node-llama-cpp / PyTorch tokens per second on the same threads.',
  }),
);
