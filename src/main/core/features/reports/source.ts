import { contract, type Contract, type MethodName } from '../../../../shared/contract';
import type { Handlers, InputOf, OutputOf } from '../../../../shared/define';

// A report reads everything through the contract's own read methods (explain.results, ablation.results, ...):
// the numbers in a PDF are, by construction, the numbers the app and the CLI show. The composition root hands
// the backend's handlers in; this feature imports no other feature.

export type ReportSource = <M extends MethodName>(method: M, input: InputOf<Contract, M>) => Promise<OutputOf<Contract, M>>;

export function reportSource(handlers: () => Handlers<Contract>, signal: AbortSignal): ReportSource {
  return async (method, input) => {
    const handler = handlers()[method] as (input: unknown, ctx: { signal: AbortSignal; progress: () => void }) => unknown;
    const out = await handler(contract[method].input.parse(input), { signal, progress: () => undefined });
    return out as OutputOf<Contract, typeof method>;
  };
}
