import { z } from 'zod';

// A contract method is declared once, with zod schemas for its input and output. A job is a method that
// also streams progress and can be cancelled; both run over the same protocol (see protocol.ts).

export type MethodKind = 'method' | 'job';

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType, K extends MethodKind = MethodKind> {
  kind: K;
  input: I;
  output: O;
  summary: string;
}

export function method<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): MethodDef<I, O, 'method'> {
  return { kind: 'method', input, output, summary };
}

export function job<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O): MethodDef<I, O, 'job'> {
  return { kind: 'job', input, output, summary };
}

export type ContractShape = Record<string, MethodDef>;

/** The names of a contract's methods of one kind, read from the literal `kind` that method() / job() give each entry. */
export type MethodsOfKind<C extends ContractShape, K extends MethodKind> = {
  [M in keyof C & string]: C[M]['kind'] extends K ? M : never;
}[keyof C & string];

export type InputOf<C extends ContractShape, K extends keyof C> = z.input<C[K]['input']>;
export type ParsedInputOf<C extends ContractShape, K extends keyof C> = z.output<C[K]['input']>;
export type OutputOf<C extends ContractShape, K extends keyof C> = z.output<C[K]['output']>;

export const Progress = z.object({
  done: z.number(),
  total: z.number(),
  message: z.string().optional(),
  /** Seconds left, estimated from the rate so far; absent until there is a rate. */
  etaSeconds: z.number().optional(),
});
export type Progress = z.infer<typeof Progress>;

/** What a handler gets besides its input: cancellation and a progress sink. */
export interface CallContext {
  signal: AbortSignal;
  progress: (p: Progress) => void;
}

/** The main-side implementation of a contract: a missing or mistyped handler fails to compile. */
export type Handlers<C extends ContractShape> = {
  [K in keyof C]: (input: ParsedInputOf<C, K>, ctx: CallContext) => Promise<OutputOf<C, K>> | OutputOf<C, K>;
};
