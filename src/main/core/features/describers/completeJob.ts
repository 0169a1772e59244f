import type { CallContext } from '../../../../shared/define';
import type { BackendState } from '../../platform/context';
import type { JobKind } from '../../platform/jobs/registry';
import { runJob } from '../../platform/jobs/runner';
import { getCompletion, putCompletion } from '../../platform/store/generativeRepo';
import { libraryOf } from './library';
import { assertSupportedSchema } from './jsonSchema';
import type { JsonSchema } from './roles';
import { runtimeFor } from './runtimes';
import { completionKey } from './cached';
import { requireUsable } from './service';

// lm.complete: one answer of a language model, cached in the project by model hash + the whole request (prompt,
// system, schema, chat, sampling incl. seed). An answer that fails its schema never reaches the cache: the runtime
// retries and then throws bad_answer.

export const COMPLETE_KIND = 'lm.complete';

export interface CompleteParams {
  describerId: number;
  prompt: string;
  system?: string;
  schema?: JsonSchema;
  chat: boolean;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  fresh: boolean;
}

export async function runComplete(state: BackendState, p: CompleteParams, ctx: CallContext, jobId?: number) {
  const project = state.requireProject();
  const { db } = project;
  const entry = requireUsable(libraryOf(state), p.describerId, 'language_model');
  // A schema the validator cannot check fully is refused now, before a job row is written.
  if (p.schema) assertSupportedSchema(p.schema);
  const sampling = { maxTokens: p.maxTokens, temperature: p.temperature, topK: p.topK, topP: p.topP, seed: p.seed };
  const { request, requestSha } = completionKey({ ...sampling, prompt: p.prompt, system: p.system, schema: p.schema, chat: p.chat });
  const cached = p.fresh ? undefined : getCompletion(db, entry.sha256, requestSha);
  if (cached) return { ...cached, cached: true };
  return runJob(project, { kind: COMPLETE_KIND, title: `Ask ${entry.name}`, params: { ...p }, jobId }, ctx, async (run) => {
    run.recordProvenance({ hashes: { languageModel: entry.sha256 }, seeds: { sampling: p.seed } });
    run.progress(0, p.maxTokens, 'loading the language model');
    const lm = await runtimeFor(entry, {
      signal: run.signal,
      onProgress: (f) => ctx.progress({ done: 0, total: p.maxTokens, message: `loading the language model ${(f * 100).toFixed(0)}%` }),
    });
    const c = await lm.complete({ ...sampling, prompt: p.prompt, system: p.system, schema: p.schema, chat: p.chat }, run.signal, (soFar) =>
      ctx.progress({ done: Math.min(soFar.length, p.maxTokens), total: p.maxTokens, message: soFar.slice(-200) }),
    );
    db.transaction(() => {
      putCompletion(db, entry.sha256, requestSha, request, c);
      run.progress(p.maxTokens, p.maxTokens, `${c.completionTokens} tokens`);
    })();
    return { ...c, cached: false };
  });
}

export const completeJobKind: JobKind = {
  kind: COMPLETE_KIND,
  writeHeavy: false,
  resume: (state, stored, ctx, jobId) => runComplete(state, stored as CompleteParams, ctx, jobId),
};
