import { homedir } from 'node:os';
import { join } from 'node:path';
import { contract, type Contract, type MethodName } from '../../shared/contract';
import { createClient, createMemoryChannel, serve } from '../../shared/protocol';
import { AppError, toErrorData } from '../../shared/errors';
import { cut, exampleText, formatIssues, pathText, showRaw, showValue } from '../../shared/inputErrors';
import { createBackend } from '../core/app/backend';
import { APP_VERSION } from '../core/platform/version';
import {
  findUnknownKey,
  flagHelp,
  inputShape,
  isBoolWord,
  isBooleanSchema,
  jsonProblem,
  parseArgv,
  parseFlag,
  type ParsedArgs,
} from './args';

// The headless workbench: every contract method is a command, over the same backend and protocol the app
// uses. Results are JSON on stdout; progress and messages go to stderr so pipes stay clean. runCli returns
// the exit code instead of exiting, so tests can call it many times in one process.

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Environment (NWB_DATA_DIR); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Aborting cancels the running call (the CLI wires Ctrl+C to it). */
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
/** A coded error: bad input, not found, cancelled, ... */
export const EXIT_ERROR = 2;
/** An internal error (a bug). */
export const EXIT_INTERNAL = 70;

/** Flags of the CLI itself, not of a command. */
const GLOBAL_FLAGS = ['project', 'readOnly', 'json', 'quiet', 'help'] as const;

const USAGE = `Neuron Workbench CLI ${APP_VERSION}

Usage: npm run cli -- <command> [--project FILE.nwb] [--flag value ...] [--json '{...}']

  --project FILE   open this project first (every command except project.create/app.info needs one)
  --json '{...}'   pass the whole input as JSON (flags override its fields)
  --readOnly       open the project read-only: browse a file you may not (or should not) change
  --quiet          no progress on stderr
  --help           this list; '<command> --help' shows one command's flags

Each flag is parsed by its type as '<command> --help' shows it: numbers in full (1, -2.5, 1e-3), lists
comma-separated (--neurons 1,2,3), switches as a bare flag or true/false, JSON where JSON is shown. A value
that cannot be read, an unknown flag or a flag given twice is refused, naming the flag.
Ctrl+C cancels a running job cleanly (resume it later with jobs.resume).

Commands:`;

const isCommand = (name: string | null): name is MethodName => name !== null && Object.prototype.hasOwnProperty.call(contract, name);

export function helpText(name?: MethodName): string {
  if (name) {
    const def = contract[name];
    const lines = Object.entries(inputShape(def.input)).map(([k, s]) => flagHelp(k, s));
    return `${name}${def.kind === 'job' ? '  [job: progress, Ctrl+C cancels]' : ''}\n  ${def.summary}\n\n${lines.join('\n') || '  (no flags)'}`;
  }
  const width = Math.max(...Object.keys(contract).map((k) => k.length));
  const rows = (Object.keys(contract) as MethodName[]).map(
    (k) => `  ${k.padEnd(width)}  ${contract[k].kind === 'job' ? '[job] ' : ''}${contract[k].summary}`,
  );
  return `${USAGE}\n${rows.join('\n')}`;
}

/** Reads argv the way the contract types it: the command's boolean flags take only a true/false word. */
export function readArgv(argv: string[]): ParsedArgs {
  return parseArgv(argv, (command, flag) => {
    if (flag === 'quiet' || flag === 'help' || flag === 'readOnly') return true;
    return isCommand(command) && isBooleanSchema(inputShape(contract[command].input)[flag]);
  });
}

function globalSwitch(args: ParsedArgs, name: 'quiet' | 'help' | 'readOnly'): boolean {
  const v = args.flags.get(name);
  if (v === undefined || v === true) return v === true;
  if (!isBoolWord(v)) throw new AppError('bad_input', `--${name} is a switch: give it bare or as true/false (got ${showRaw(v)}).`);
  return ['true', '1', 'yes'].includes(v.toLowerCase());
}

function globalText(args: ParsedArgs, name: 'project' | 'json', what: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new AppError('bad_input', `--${name} needs a value: ${what}.`);
  return v;
}

const flagList = (name: MethodName): string => {
  const keys = Object.keys(inputShape(contract[name].input));
  return keys.length ? keys.map((k) => `--${k}`).join(', ') : 'none';
};

/** Subject of a value in a message: the flag, then the path inside its JSON ("--sort.by"); "item N" of a list flag. */
function flagSubject(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '--json';
  const [flag, ...rest] = path;
  if (rest.length === 1 && typeof rest[0] === 'number') return `--${String(flag)} item ${rest[0] + 1}`;
  return `--${pathText([flag, ...rest])}`;
}

/**
 * The input object of `name` from --json and the command's flags, validated by the contract: what the handler
 * gets is exactly what was typed, or a bad_input error naming the flag, the value and the expected form.
 */
export function buildInput(name: MethodName, args: ParsedArgs): Record<string, unknown> {
  const def = contract[name];
  const shape = inputShape(def.input);
  const input: Record<string, unknown> = {};
  const json = globalText(args, 'json', `the whole input as a JSON object, e.g. ${exampleText(def.input)}`);
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new AppError(
        'bad_input',
        `--json is not valid JSON: ${jsonProblem(json, e)} (got ${showRaw(json)}); expected a JSON object like ${exampleText(def.input)}.`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new AppError('bad_input', `--json must be a JSON object like ${exampleText(def.input)} (got ${showRaw(json)}).`);
    }
    for (const k of Object.keys(parsed)) {
      if (!Object.prototype.hasOwnProperty.call(shape, k)) {
        throw new AppError(
          'bad_input',
          `--json has unknown key ${showValue(k)}: ${name} takes ${Object.keys(shape).join(', ') || 'no input'}.`,
        );
      }
    }
    Object.assign(input, parsed);
  }
  for (const [k, v] of args.flags) {
    // A CLI flag, unless the command has a field of that name (project.open --readOnly).
    if ((GLOBAL_FLAGS as readonly string[]).includes(k) && !Object.prototype.hasOwnProperty.call(shape, k)) continue;
    if (!Object.prototype.hasOwnProperty.call(shape, k)) {
      throw new AppError(
        'bad_input',
        `${name} has no flag --${cut(k)}. Its flags: ${flagList(name)}. Run '${name} --help' for their types.`,
      );
    }
    input[k] = parseFlag(k, shape[k], v);
  }
  const checked = def.input.safeParse(input, { reportInput: true });
  if (!checked.success) {
    const lines = formatIssues(checked.error, def.input, input, flagSubject);
    throw new AppError('bad_input', `${lines.join('; ')}.`, { issues: lines });
  }
  const unknown = findUnknownKey(def.input, input);
  if (unknown) {
    throw new AppError(
      'bad_input',
      `${flagSubject(unknown.path)} has unknown key ${showValue(unknown.key)} (allowed: ${unknown.allowed.join(', ') || 'none'}).`,
    );
  }
  return input;
}

async function runCommand(argv: string[], io: CliIo): Promise<void> {
  const args = readArgv(argv);
  const help = globalSwitch(args, 'help');
  if (!args.command || args.command === 'help') {
    const topic = args.positional[0] ?? null;
    if (args.command === 'help' && topic !== null) {
      if (!isCommand(topic)) throw new AppError('bad_input', `Unknown command ${showRaw(topic)}. Run with --help to list every command.`);
      io.stdout(helpText(topic) + '\n');
      return;
    }
    if (!args.command && !help && args.flags.size > 0)
      throw new AppError('bad_input', 'No command given. Run with --help to list every command.');
    io.stdout(helpText() + '\n');
    return;
  }
  if (!isCommand(args.command))
    throw new AppError('bad_input', `Unknown command ${showRaw(args.command)}. Run with --help to list every command.`);
  const name = args.command;
  if (help) {
    io.stdout(helpText(name) + '\n');
    return;
  }
  if (args.positional.length > 0) {
    const flag = args.afterSwitch[0];
    if (flag !== null && isBooleanSchema(inputShape(contract[name].input)[flag])) {
      throw new AppError(
        'bad_input',
        `--${flag} must be true or false (also 1/0, yes/no; a bare --${flag} means true) (got ${showRaw(args.positional[0])}).`,
      );
    }
    throw new AppError(
      'bad_input',
      `Unexpected argument ${showRaw(args.positional[0])}: values are given as --flag value. ${name} takes ${flagList(name)}.`,
    );
  }
  const input = buildInput(name, args);
  const quiet = globalSwitch(args, 'quiet');
  const readOnly = globalSwitch(args, 'readOnly');
  const project = globalText(args, 'project', 'the project file (.nwb)');
  const env = io.env ?? process.env;
  const pauseMs = Number(env.NWB_FAULT_PAUSE_MS ?? 0) || 0;
  const backend = createBackend({ userDataDir: env.NWB_DATA_DIR ?? join(homedir(), '.config', 'neuron-workbench'), mode: 'cli' });
  const { server, client } = createMemoryChannel();
  const stop = serve(contract, backend.handlers, server);
  const api = createClient<Contract>(contract, client);
  try {
    if (project !== undefined && name !== 'project.create')
      await api.call('project.open', { path: project, readOnly }, { signal: io.signal });
    let lastLine = 0;
    const output = await api.call(name, input as never, {
      signal: io.signal,
      onProgress: (p) => {
        if (pauseMs > 0 && p.done > 0) Atomics.wait(sleeper, 0, 0, pauseMs);
        const now = Date.now();
        if (quiet || now - lastLine < 500) return;
        lastLine = now;
        const eta = p.etaSeconds !== undefined ? `, ETA ${Math.round(p.etaSeconds)} s` : '';
        io.stderr(`${name}: ${p.done} / ${p.total}${eta}${p.message ? ` - ${p.message}` : ''}\n`);
      },
    });
    io.stdout(JSON.stringify(output, null, 2) + '\n');
  } finally {
    api.close();
    stop();
    backend.dispose();
  }
}

/**
 * Fault injection for the kill -9 tests (test/integration/campaign.faults.test.ts): NWB_FAULT_PAUSE_MS blocks
 * the process for that long after each progress report, i.e. after each committed batch, so a test can kill
 * it mid-job at a known kind of point. Unset in normal use.
 */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Run one CLI command; returns the exit code (0 ok, 2 a coded error, 70 internal). Never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await runCommand(argv, io);
    return EXIT_OK;
  } catch (e) {
    const err = toErrorData(e);
    io.stderr(`error (${err.code}): ${err.message}\n`);
    io.stdout(JSON.stringify({ error: err }) + '\n');
    return err.code === 'internal' ? EXIT_INTERNAL : EXIT_ERROR;
  }
}
