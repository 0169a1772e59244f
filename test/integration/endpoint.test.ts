import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointModel, inspectEndpoint, loadGgufModel } from '../../src/main/core/features/describers/languageModel';
import type { CompletionRequest, LanguageModel } from '../../src/main/core/features/describers/roles';
import { AppError } from '../../src/shared/errors';

// The OpenAI-compatible endpoint client against real HTTP servers on 127.0.0.1: one that speaks chat completions by
// running the fixture GGUF (so its answers are the in-process model's), and misbehaving ones (refuses, hangs, garbage,
// schema-breaking answers, a 500 before an answer). Non-loopback hosts are refused unless allowed.

const GGUF = join(import.meta.dirname, '..', '..', 'resources/fixtures/describers/language_model/fmnist-concepts.gguf');
const MODEL = 'fmnist-concepts';
const SCHEMA = {
  type: 'object',
  properties: { concept: { type: 'string', maxLength: 40 } },
  required: ['concept'],
  additionalProperties: false,
};
const PROMPT = 'captions: a black ankle boot with a low heel; a grey boot with laces; a dark ankle boot; a brown boot with a zipper\njson:';

interface Served {
  url: string;
  calls: { method: string; path: string; body: Record<string, unknown> | null }[];
  close(): Promise<void>;
}

async function serve(
  handler: (req: IncomingMessage, body: Record<string, unknown> | null, res: ServerResponse) => void | Promise<void>,
): Promise<Served> {
  const calls: Served['calls'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      calls.push({ method: req.method ?? '', path: req.url ?? '', body });
      void Promise.resolve(handler(req, body, res)).catch((e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};
const chatAnswer = (content: string) => ({
  id: 'x',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 5 },
});
const req = (over: Partial<CompletionRequest> = {}): CompletionRequest => ({
  prompt: PROMPT,
  schema: SCHEMA,
  maxTokens: 24,
  temperature: 0,
  topK: 40,
  topP: 1,
  seed: 1,
  chat: true,
  ...over,
});
const opts = (url: string, over = {}) => ({ baseUrl: url, model: MODEL, timeoutMs: 5000, retries: 2, ...over });
const never = () => new AbortController().signal;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('endpoint backed by the fixture GGUF', () => {
  let lm: LanguageModel;
  let server: Served;
  beforeAll(async () => {
    lm = await loadGgufModel(GGUF, { signal: never(), threads: 1 });
    server = await serve(async (r, body, res) => {
      if (r.method === 'GET' && r.url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: MODEL, object: 'model' }] });
      if (r.method !== 'POST' || r.url !== '/v1/chat/completions' || !body) return json(res, 404, { error: 'no route' });
      // A minimal OpenAI chat-completions server: messages -> system + user, response_format json_schema -> schema.
      const messages = body.messages as { role: string; content: string }[];
      const rf = body.response_format as { json_schema?: { schema?: Record<string, unknown> } } | undefined;
      const c = await lm.complete(
        {
          prompt: messages.filter((m) => m.role === 'user').at(-1)!.content,
          system: messages.find((m) => m.role === 'system')?.content,
          schema: rf?.json_schema?.schema,
          maxTokens: body.max_tokens as number,
          temperature: body.temperature as number,
          topK: (body.top_k as number | undefined) ?? 40,
          topP: body.top_p as number,
          seed: body.seed as number,
          chat: true,
        },
        never(),
      );
      json(res, 200, { ...chatAnswer(c.text), usage: { prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens } });
    });
  });
  afterAll(async () => {
    await server?.close();
    await lm?.dispose();
  });

  it('says which models it serves', async () => {
    const m = await inspectEndpoint(opts(server.url));
    expect(m).toEqual({
      format: 'endpoint',
      files: [],
      details: { baseUrl: `${server.url}/v1`, model: MODEL, served: MODEL, modelListed: true, remote: false },
    });
    expect((await inspectEndpoint(opts(`${server.url}/v1/`, { model: 'llama3' }))).details.modelListed).toBe(false);
  });

  it('answers as the in-process model does, schema sent as response_format and the answer validated', async () => {
    const direct = await lm.complete(req(), never());
    const viaHttp = await createEndpointModel(opts(server.url)).complete(
      req({ system: 'You name one concept that covers most captions.' }),
      never(),
    );
    const directSys = await lm.complete(req({ system: 'You name one concept that covers most captions.' }), never());
    expect(viaHttp.text).toBe(directSys.text);
    expect(viaHttp.json).toEqual(JSON.parse(directSys.text));
    expect(viaHttp.json).toEqual({ concept: 'ankle boot' });
    expect(direct.json).toEqual({ concept: 'ankle boot' });
    expect(viaHttp.promptTokens).toBe(directSys.promptTokens);
    expect(viaHttp.attempts).toBe(1);
    const sent = server.calls.at(-1)!.body!;
    expect(sent).toMatchObject({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You name one concept that covers most captions.' },
        { role: 'user', content: PROMPT },
      ],
      max_tokens: 24,
      temperature: 0,
      seed: 1,
      stream: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: SCHEMA } },
    });
  });
});

describe('misbehaving endpoints', () => {
  it('a closed port: retried, then endpoint_unavailable saying how to start a server', async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    await s.close();
    const e = await refusal(createEndpointModel(opts(url, { retries: 1 })).complete(req(), never()));
    expect(e.code).toBe('endpoint_unavailable');
    expect(e.message).toMatch(/cannot be reached \(ECONNREFUSED\) after 2 tries: start the server \(e\.g\. `ollama serve`/);
    expect((await refusal(inspectEndpoint(opts(url, { retries: 0 })))).code).toBe('endpoint_unavailable');
  });

  it('a server that hangs: endpoint_unavailable after the timeout; the caller can cancel sooner', async () => {
    const s = await serve(() => undefined); // never answers
    try {
      const t0 = performance.now();
      const e = await refusal(createEndpointModel(opts(s.url, { timeoutMs: 300 })).complete(req(), never()));
      expect(e.code).toBe('endpoint_unavailable');
      expect(e.message).toMatch(/did not answer within 0\.3 s/);
      expect(performance.now() - t0).toBeLessThan(3000);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      expect((await refusal(createEndpointModel(opts(s.url, { timeoutMs: 60_000 })).complete(req(), ac.signal))).code).toBe('cancelled');
    } finally {
      await s.close();
    }
  });

  it('non-JSON and JSON without choices: endpoint_unavailable, not retried', async () => {
    const html = await serve((_r, _b, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>It works!</html>');
    });
    const empty = await serve((_r, _b, res) => json(res, 200, { ok: true }));
    try {
      let e = await refusal(createEndpointModel(opts(html.url)).complete(req(), never()));
      expect(e.code).toBe('endpoint_unavailable');
      expect(e.message).toMatch(/answered something that is not JSON \('<html>It works!<\/html>'\): is this an OpenAI-compatible server\?/);
      expect(html.calls).toHaveLength(1);
      e = await refusal(createEndpointModel(opts(empty.url)).complete(req(), never()));
      expect(e.code).toBe('endpoint_unavailable');
      expect(e.message).toMatch(/without choices\[0\]\.message\.content/);
      expect((await refusal(inspectEndpoint(opts(empty.url)))).message).toMatch(/without a data list/);
    } finally {
      await html.close();
      await empty.close();
    }
  });

  it('answers that break the schema are retried with the next seeds, then bad_answer with the last answer', async () => {
    const s = await serve((_r, _b, res) => json(res, 200, chatAnswer('{"concept": 5}')));
    try {
      const e = await refusal(createEndpointModel(opts(s.url, { retries: 2 })).complete(req({ seed: 10 }), never()));
      expect(e.code).toBe('bad_answer');
      expect(e.message).toMatch(/does not fit the JSON schema 3 time\(s\) \(\$\.concept: expected string, got integer\)/);
      expect(e.data).toEqual({ answer: '{"concept": 5}', errors: ['$.concept: expected string, got integer'], attempts: 3 });
      expect(s.calls.map((c) => c.body!.seed)).toEqual([10, 11, 12]);
    } finally {
      await s.close();
    }
  });

  it('a 500 then an answer: the retry gets it', async () => {
    let n = 0;
    const s = await serve((_r, _b, res) =>
      n++ === 0 ? json(res, 500, { error: 'loading model' }) : json(res, 200, chatAnswer('{"concept": "coat"}')),
    );
    try {
      const c = await createEndpointModel(opts(s.url)).complete(req(), never());
      expect(c.json).toEqual({ concept: 'coat' });
      expect(c.attempts).toBe(1);
      expect(s.calls).toHaveLength(2);
      const always = await serve((_r, _b, res) => json(res, 503, { error: 'overloaded' }));
      const e = await refusal(createEndpointModel(opts(always.url, { retries: 1 })).complete(req(), never()));
      expect(e.message).toMatch(/answered HTTP 503 .* after 2 tries/);
      await always.close();
    } finally {
      await s.close();
    }
  });

  it('a 4xx is reported at once with the status and body', async () => {
    const s = await serve((_r, _b, res) => json(res, 404, { error: 'model "llama9" not found, try pulling it first' }));
    try {
      const e = await refusal(createEndpointModel(opts(s.url)).complete(req(), never()));
      expect(e.code).toBe('endpoint_unavailable');
      expect(e.message).toMatch(/answered HTTP 404: .*not found, try pulling it first/);
      expect(s.calls).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('refuses a host that is not this machine unless remote endpoints are allowed', async () => {
    let e: unknown = null;
    try {
      createEndpointModel(opts('http://192.168.1.5:11434'));
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('bad_input');
    expect((e as AppError).message).toMatch(/The endpoint host '192\.168\.1\.5' is not this machine/);
    expect((await refusal(inspectEndpoint(opts('https://api.example.com/v1')))).message).toMatch(/'api\.example\.com' is not this machine/);
    expect(() => createEndpointModel(opts('http://192.168.1.5:11434', { allowRemote: true }))).not.toThrow();
    for (const ok of ['http://localhost:11434', 'http://127.0.0.2:1234/v1', 'http://[::1]:8080'])
      expect(() => createEndpointModel(opts(ok))).not.toThrow();
    expect(() => createEndpointModel(opts('not a url'))).toThrow(/is not a URL/);
  });
});
