import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contract, type MethodName } from '../../src/shared/contract';
import { ExplainParamsSchema } from '../../src/shared/contract';
import { createClient, createMemoryChannel, serve } from '../../src/shared/protocol';
import { method } from '../../src/shared/define';
import { AppError } from '../../src/shared/errors';
import { formatIssues, numberRange, pathText, showValue, unwrap } from '../../src/shared/inputErrors';
import { inputShape, jsonErrorOffset, parseArgv, strictNumber } from '../../src/main/cli/args';
import { buildInput, readArgv, runCli } from '../../src/main/cli/run';

// The CLI parses exactly what --help promises and refuses everything else with a coded error naming the
// flag, the value and the expected form (issue #11, item 2, "malformed --json" of 6, long echoes of 8).
// Every case here is refused before a backend exists, so the table runs in milliseconds.

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { NWB_DATA_DIR: '/nonexistent/nwb-cli-test' },
  });
  return { code, stdout, stderr };
}

const input = (argv: string[]) => buildInput(argv[0] as MethodName, readArgv(argv));

const BIG = 'x'.repeat(102400);

// [argv, message the error must contain]
const refusals: [string[], string | RegExp][] = [
  // Lists: every item parsed by the item schema, nothing dropped.
  [
    ['explain.run', '--activationSetId', '1', '--neurons', '1,2,,3'],
    "--neurons item 3 is empty (got '1,2,,3'); expected a list of integers >= 0, e.g. 1,2,3.",
  ],
  [['explain.run', '--activationSetId', '1', '--neurons', '1,a'], "--neurons item 2 must be an integer >= 0 (got 'a' in '1,a')."],
  [['explain.run', '--activationSetId', '1', '--neurons', '1,-2'], '--neurons item 2 must be an integer >= 0 (got -2).'],
  [['explain.run', '--activationSetId', '1', '--neurons', '1.5'], '--neurons item 1 must be an integer >= 0 (got 1.5).'],
  [['explain.run', '--activationSetId', '1', '--neurons', ''], "--neurons item 1 is empty (got '')"],
  [['explain.run', '--activationSetId', '1', '--neurons', '[]'], '--neurons must not be empty.'],
  [['topimpact.run', '--activationSetId', '1', '--neurons', '1,x'], "--neurons item 2 must be an integer >= 0 (got 'x' in '1,x')."],
  [['ablation.run', '--explainRunId', '1', '--modes', 'optim,foo'], '--modes item 2 must be one of optim, norm (got "foo").'],
  [['split.ensure', '--probeSetId', '1', '--fractions', '0.5,0.5'], '--fractions must have exactly 3 items (got 2).'],
  [['split.ensure', '--probeSetId', '1', '--fractions', '0.5,0.1,0.1'], '--fractions: fractions must sum to 1 (got [0.5,0.1,0.1]).'],
  [['probe.thumbnails', '--imageIds', '1,0'], '--imageIds item 2 must be an integer >= 1 (got 0).'],
  // Numbers: strict, with the range in the message.
  [['explain.run', '--activationSetId', '1', '--seed', 'abc'], "--seed must be an integer between 0 and 4294967295 (got 'abc')."],
  [['explain.run', '--activationSetId', '1', '--seed', '-1'], '--seed must be an integer between 0 and 4294967295 (got -1).'],
  [['explain.run', '--activationSetId', '1', '--eps', 'NaN'], "--eps must be a number between 0 and 1 (got 'NaN')."],
  [['explain.run', '--activationSetId', '1', '--eps', 'Infinity'], "--eps must be a number between 0 and 1 (got 'Infinity')."],
  [['explain.run', '--activationSetId', '1', '--eps', '1x'], "--eps must be a number between 0 and 1 (got '1x')."],
  [['explain.run', '--activationSetId', '1', '--eps', ''], "--eps must be a number between 0 and 1 (got '')."],
  [['explain.run', '--activationSetId', '1', '--eps', '0x1'], "--eps must be a number between 0 and 1 (got '0x1')."],
  [['explain.run', '--activationSetId', '1', '--lambda', '0'], '--lambda must be a number > 0 and <= 100 (got 0).'],
  [['explain.run', '--activationSetId', '1', '--lambda', '-1'], '--lambda must be a number > 0 and <= 100 (got -1).'],
  [['explain.run', '--activationSetId', '1', '--maxConcepts', '11'], '--maxConcepts must be an integer between 1 and 10 (got 11).'],
  [['explain.run', '--activationSetId', '1', '--width', '2.5'], '--width must be an integer between 1 and 1000 (got 2.5).'],
  [['explain.run', '--activationSetId', '1', '--blockSize', '0'], '--blockSize must be an integer between 1 and 4096 (got 0).'],
  [['explain.run', '--activationSetId', '0'], '--activationSetId must be an integer >= 1 (got 0).'],
  [['explain.neuron', '--runId', '1', '--neuron', '-1'], '--neuron must be an integer >= 0 (got -1).'],
  [['explain.results', '--runId', '1', '--limit', '0'], '--limit must be an integer between 1 and 5000 (got 0).'],
  [['explain.results', '--runId', '1', '--offset', '-3'], '--offset must be an integer >= 0 (got -3).'],
  [
    ['activations.extract', '--modelId', '1', '--layer', 'x', '--probeSetId', '1', '--batchSize', '0'],
    '--batchSize must be an integer between 1 and 1024 (got 0).',
  ],
  [
    ['activations.extract', '--modelId', '1', '--layer', 'x', '--probeSetId', '1', '--threads', '1e9'],
    '--threads must be an integer between 1 and 256 (got 1000000000).',
  ],
  [['topimpact.run', '--activationSetId', '1', '--temperature', '0'], '--temperature must be a number > 0 and <= 1000 (got 0).'],
  [['calibration.set', '--encoderId', '1', '--a', '1', '--b', '3', '--source', 'manual'], '--b must be a number between -2 and 2 (got 3).'],
  [['probe.thumbnails', '--imageIds', '1', '--size', '8'], '--size must be an integer between 16 and 512 (got 8).'],
  // Enums, booleans, unions.
  [['explain.run', '--activationSetId', '1', '--order', 'up'], '--order must be one of signed, abs (got "up").'],
  [
    ['explain.results', '--runId', '1', '--includeDead', 'maybe'],
    "--includeDead must be true or false (also 1/0, yes/no; a bare --includeDead means true) (got 'maybe').",
  ],
  [['explain.results', '--runId', '1', '--includeDead=maybe'], "--includeDead must be true or false (also 1/0, yes/no) (got 'maybe')."],
  [
    ['explain.scoreText', '--runId', '1', '--neuron', '0', '--text', 'cat', '--simulator', 'x'],
    '--simulator must be "label" or an integer >= 1 (got "x").',
  ],
  // JSON-valued flags: a parse failure names the flag, the place and an example; the schema's rules in its words.
  [
    ['explain.run', '--activationSetId', '1', '--conceptSource', '{"kind":...'],
    /^--conceptSource is not valid JSON: unexpected "\." at character 9 \(got '\{"kind":\.\.\.'\); expected JSON like \{"kind":"labels"\} or \{"kind":"encoder",/,
  ],
  [
    ['explain.run', '--activationSetId', '1', '--conceptSource', '{"kind":"zzz"}'],
    '--conceptSource.kind must be one of labels, encoder (got "zzz").',
  ],
  [
    ['explain.run', '--activationSetId', '1', '--conceptSource', '{"kind":"encoder"}'],
    '--conceptSource.encoderId is required (an integer >= 1)',
  ],
  [
    ['explain.run', '--activationSetId', '1', '--conceptSource', '{"kind":"labels","encoderId":2}'],
    '--conceptSource has unknown key "encoderId" (allowed: kind).',
  ],
  [
    ['explain.results', '--runId', '1', '--sort', '{"by":"x"}'],
    '--sort.by must be one of neuron, valCorrelation, testCorrelation, length, bestConceptTest, top5Test (got "x").',
  ],
  [['ablation.run', '--explainRunId', '1', '--mapping', '{"Sandal":-1}'], '--mapping.Sandal must be an integer >= 0 (got -1).'],
  [['model.setPreprocessing', '--modelId', '1', '--options', '{"std":[0]}'], '--options.std[0]: std must not be 0 (got 0).'],
  [['model.setPreprocessing', '--modelId', '1', '--options', '{"scale":0}'], '--options.scale must be a number > 0 (got 0).'],
  [
    ['model.setPreprocessing', '--modelId', '1', '--options', '{"size":[0,224]}'],
    '--options.size[0] must be an integer between 1 and 4096 (got 0).',
  ],
  [['model.setPreprocessing', '--modelId', '1', '--options', '{"size":[224]}'], '--options.size must have exactly 2 items (got 1).'],
  [['model.setPreprocessing', '--modelId', '1', '--options', '{"mean":[]}'], '--options.mean must not be empty.'],
  [
    ['model.setPreprocessing', '--modelId', '1', '--options', '{"channels":3,"std":[1,2]}'],
    '--options.std needs 1 or 3 values (one per channel, channels is 3) (got [1,2]).',
  ],
  [
    ['model.setPreprocessing', '--modelId', '1', '--options', '{"stdd":[1]}'],
    '--options has unknown key "stdd" (allowed: size, resize, interpolation, scale, mean, std, channels, layout).',
  ],
  [['model.preview', '--modelId', '1', '--options', '{"std":[0.5, 0]}'], '--options.std[1]: std must not be 0 (got 0).'],
  // --json: a coded error naming --json and the place, never exit 70.
  [
    ['explain.run', '--json', '{"activationSetId": 1,'],
    /^--json is not valid JSON: it ends early, at character 23 \(expected double-quoted property name\) \(got '\{"activationSetId": 1,'\); expected a JSON object like \{"activationSetId":1\}\.$/,
  ],
  [['explain.run', '--json', '{"activationSetId" 1}'], "--json is not valid JSON: Expected ':' after property name at character 20"],
  [['explain.run', '--json', '{}x'], '--json is not valid JSON: unexpected "x" at character 3'],
  [['explain.run', '--json', ''], "--json is not valid JSON: it is empty (got '')"],
  [['explain.run', '--json', '[1]'], '--json must be a JSON object like {"activationSetId":1} (got \'[1]\').'],
  [
    ['explain.run', '--json', '{"activationSetId":1,"neuronz":[1]}'],
    '--json has unknown key "neuronz": explain.run takes activationSetId,',
  ],
  [['explain.run', '--json', '{"activationSetId":1,"neurons":[-1]}'], '--neurons item 1 must be an integer >= 0 (got -1).'],
  // Unknown, missing, repeated and stray.
  [
    ['explain.run', '--activationSetId', '1', '--neuron', '3'],
    'explain.run has no flag --neuron. Its flags: --activationSetId, --conceptSource, --seed,',
  ],
  [['explain.run'], '--activationSetId is required (an integer >= 1).'],
  [
    ['explain.run', '--activationSetId'],
    '--activationSetId needs a value: an integer >= 1 (write --activationSetId VALUE or --activationSetId=VALUE).',
  ],
  [['explain.run', '--activationSetId', '1', '--seed', '1', '--seed', '2'], '--seed is given more than once; give each flag once'],
  [['explain.run', '--activationSetId', '1', '5'], "Unexpected argument '5': values are given as --flag value."],
  [['project.open', '--path', ''], '--path: a path is required (got "").'],
  [['project.open', '--path', '--project'], '--path needs a value'],
  [['explain.run', '--activationSetId', '1', '--project'], '--project needs a value: the project file (.nwb).'],
  [['explain.run', '--activationSetId', '1', '--quiet=maybe'], "--quiet is a switch: give it bare or as true/false (got 'maybe')."],
  [['nope.cmd'], "Unknown command 'nope.cmd'. Run with --help to list every command."],
  // Long values are cut in every echo.
  [
    ['explain.scoreText', '--runId', '1', '--neuron', '0', '--text', BIG],
    `--text must be at most 500 characters (got "${'x'.repeat(80)}"... (102400 characters)).`,
  ],
  [
    ['explain.run', '--activationSetId', '1', '--seed', BIG],
    `--seed must be an integer between 0 and 4294967295 (got '${'x'.repeat(80)}'... (102400 characters)).`,
  ],
  [['explain.run', '--activationSetId', '1', '--conceptSource', `{${BIG}`], `(got '{${'x'.repeat(79)}'... (102401 characters))`],
  [['explain.run', `--${BIG}`, '1'], `explain.run has no flag --${'x'.repeat(80)}... (102400 characters).`],
  [[BIG], `Unknown command '${'x'.repeat(80)}'... (102400 characters).`],
];

describe('CLI refusals: exit 2, bad_input, the flag, the value and the expected form', () => {
  it.each(refusals)('%j', async (argv, expected) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(out.error.code).toBe('bad_input');
    if (typeof expected === 'string') expect(out.error.message).toContain(expected);
    else expect(out.error.message).toMatch(expected);
    expect(r.stderr).toBe(`error (bad_input): ${out.error.message}\n`);
    expect(out.error.message).not.toMatch(/expected \w+, received|Invalid input|Too (small|big)/);
    expect(out.error.message.length).toBeLessThan(2000);
  });
});

describe('CLI parsing: what is typed is what the handler gets', () => {
  it.each<[string[], Record<string, unknown>]>([
    [['explain.run', '--activationSetId', '4', '--neurons', '1,2,3'], { activationSetId: 4, neurons: [1, 2, 3] }],
    [['explain.run', '--activationSetId', '4', '--neurons', ' 1, 2 ,3'], { neurons: [1, 2, 3] }],
    [['explain.run', '--activationSetId', '4', '--neurons', '[7,8]'], { neurons: [7, 8] }],
    [['explain.run', '--activationSetId', '4', '--neurons', '5'], { neurons: [5] }],
    [['topimpact.run', '--activationSetId', '4', '--neurons', '1,2'], { neurons: [1, 2] }],
    [['explain.run', '--activationSetId=4', '--seed', '7'], { activationSetId: 4, seed: 7 }],
    [['explain.run', '--activationSetId', '4', '--eps', '1e-3', '--lambda', '.5', '--eta', '+0.9'], { eps: 0.001, lambda: 0.5, eta: 0.9 }],
    [['calibration.set', '--encoderId', '1', '--a', '10', '--b', '-1.5', '--source', 'manual'], { a: 10, b: -1.5, source: 'manual' }],
    [
      ['explain.run', '--activationSetId', '4', '--conceptSource', '{"kind":"encoder","encoderId":2,"conceptSetId":3}'],
      { conceptSource: { kind: 'encoder', encoderId: 2, conceptSetId: 3 } },
    ],
    [
      ['explain.results', '--runId', '1', '--sort', '{"by":"length","dir":"asc"}', '--includeDead', 'false'],
      { sort: { by: 'length', dir: 'asc' }, includeDead: false },
    ],
    [['explain.results', '--runId', '1', '--includeDead'], { includeDead: true }],
    [['explain.results', '--runId', '1', '--includeDead', 'no', '--limit', '5'], { includeDead: false, limit: 5 }],
    [['explain.results', '--runId', '1', '--includeDead=yes', '--limit', '5'], { includeDead: true, limit: 5 }],
    [['explain.scoreText', '--runId', '1', '--neuron', '0', '--text', '3', '--simulator', '3'], { text: '3', simulator: 3 }],
    [
      ['explain.scoreText', '--runId', '1', '--neuron', '0', '--text', 'a, b', '--simulator', 'label'],
      { text: 'a, b', simulator: 'label' },
    ],
    [['split.ensure', '--probeSetId', '1', '--fractions', '0.6,0.2,0.2'], { fractions: [0.6, 0.2, 0.2] }],
    [
      ['ablation.run', '--explainRunId', '1', '--modes', 'norm', '--methods', 'le_label,top5', '--mapping', '{"Sandal":5}'],
      { modes: ['norm'], methods: ['le_label', 'top5'], mapping: { Sandal: 5 } },
    ],
    [['encoder.tokenize', '--encoderId', '1', '--texts', 'a cat, a dog'], { texts: ['a cat', 'a dog'] }],
    [['encoder.tokenize', '--encoderId', '1', '--texts', '["a, b","c"]'], { texts: ['a, b', 'c'] }],
    [
      ['model.setPreprocessing', '--modelId', '1', '--options', '{"std":[0.5],"mean":[0.5],"size":[32,32]}'],
      { options: { std: [0.5], mean: [0.5], size: [32, 32] } },
    ],
    [['explain.run', '--json', '{"activationSetId":1,"seed":3}', '--seed', '9'], { activationSetId: 1, seed: 9 }],
    [['explain.neuron', '--runId', '2', '--neuron', '-0'], { neuron: -0 }],
  ])('%j', (argv, expected) => {
    expect(input(argv)).toMatchObject(expected);
  });

  it('a boolean flag takes only a true/false word, so the command after a global switch is kept', () => {
    expect(readArgv(['--quiet', 'explain.results', '--includeDead', '--runId', '3'])).toMatchObject({
      command: 'explain.results',
      positional: [],
    });
    expect(readArgv(['--quiet', 'explain.results', '--includeDead', '--runId', '3']).flags.get('includeDead')).toBe(true);
    expect(parseArgv(['x', '--n', '-1']).flags.get('n')).toBe('-1');
  });

  it('help shows each flag with its type, range and default', async () => {
    const r = await cli(['explain.run', '--help']);
    expect(r.code).toBe(0);
    for (const line of [
      '--activationSetId <integer >= 1>  (required)',
      '--neurons <list of integers >= 0, e.g. 1,2,3>  (optional)',
      '--seed <integer between 0 and 4294967295>  (default: 0)',
      '--lambda <number > 0 and <= 100>',
      '--eps <number between 0 and 1>  (default: 0.02)',
      '--order <signed|abs>  (default: signed)',
      '--conceptSource <JSON, e.g. {"kind":"labels"} or {"kind":"encoder","encoderId":1,"conceptSetId":1}>  (default: {"kind":"labels"})',
    ])
      expect(r.stdout).toContain(line);
    expect((await cli(['explain.neuron', '-h'])).stdout).toContain('--neuron <integer >= 0>  (required)');
    expect((await cli(['explain.results', '--help'])).stdout).toContain(
      '--includeDead [true|false]  (default: true; a bare --includeDead means true)',
    );
    expect((await cli(['split.ensure', '--help'])).stdout).toContain(
      '--fractions <3 numbers between 0 and 1, e.g. 0.7,0.1,0.2>  (default: 0.7,0.1,0.2)',
    );
    expect((await cli(['help', 'explain.neuron'])).stdout).toContain('--neuron <integer >= 0>');
    const all = await cli([]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('explain.run');
  });
});

/** Every top-level numeric flag of every command: out of range, not an integer, not a number. */
function numericFlags(): [MethodName, string, z.ZodNumber][] {
  const out: [MethodName, string, z.ZodNumber][] = [];
  for (const name of Object.keys(contract) as MethodName[]) {
    for (const [flag, s] of Object.entries(inputShape(contract[name].input))) {
      const base = unwrap(s).base;
      if (base instanceof z.ZodNumber) out.push([name, flag, base]);
    }
  }
  return out;
}

describe('every numeric flag of the contract explains its range in words', () => {
  const flags = numericFlags();
  it('finds the numeric flags', () => expect(flags.length).toBeGreaterThan(40));

  it.each(flags)('%s --%s', (name, flag, schema) => {
    const r = numberRange(schema);
    const refuse = (value: string): string => {
      try {
        input([name, `--${flag}`, value]);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('bad_input');
        return (e as AppError).message;
      }
      throw new Error(`--${flag} ${value} was accepted`);
    };
    const shape = new RegExp(`(^|; )--${flag} must be (an integer|a number)[^;]* \\(got `);
    expect(refuse('abc')).toMatch(shape);
    expect(refuse('NaN')).toMatch(shape);
    if (r.lo) expect(refuse(String(r.lo.value - 1))).toMatch(shape);
    if (r.hi) expect(refuse(String(r.hi.value + 1))).toMatch(shape);
    if (r.int) expect(refuse(String((r.lo?.value ?? 0) + 0.5))).toMatch(shape);
    for (const m of [refuse('abc'), r.lo ? refuse(String(r.lo.value - 1)) : ''])
      expect(m).not.toMatch(/expected \w+, received|Too small|Too big/);
  });
});

describe('one formatter for the protocol (the app) and the CLI', () => {
  it('names the field, the reason and the value, long values cut', async () => {
    const demo = {
      't.run': method('run', ExplainParamsSchema.extend({ text: z.string().max(500).optional() }), z.object({})),
    };
    const { server, client } = createMemoryChannel();
    const stop = serve(demo, { 't.run': () => ({}) }, server);
    const api = createClient(demo, client);
    const err = (await api
      .call('t.run', { activationSetId: 1, neurons: [-1], lambda: 0, conceptSource: { kind: 'x' } as never, text: BIG })
      .catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain('Invalid input for t.run: ');
    expect(err.message).toContain('neurons[0]: must be an integer >= 0 (got -1)');
    expect(err.message).toContain('lambda: must be a number > 0 and <= 100 (got 0)');
    expect(err.message).toContain('conceptSource.kind: must be one of labels, encoder (got "x")');
    expect(err.message).toContain(`text: must be at most 500 characters (got "${'x'.repeat(80)}"... (102400 characters))`);
    expect(err.message.length).toBeLessThan(1000);
    const missing = (await api.call('t.run', {} as never).catch((e: unknown) => e)) as AppError;
    expect(missing.message).toBe('Invalid input for t.run: activationSetId: is required (an integer >= 1)');
    stop();
    api.close();
  });

  it('formats issues of nested JSON paths and author messages', () => {
    const s = contract['model.setPreprocessing'].input;
    const value = { modelId: 1, options: { std: [1, 0], size: [3.5, 2] } };
    const r = s.safeParse(value, { reportInput: true });
    expect(r.success).toBe(false);
    const lines = formatIssues(r.error!, s, value, (p) => `--${pathText(p)}`);
    expect(lines).toEqual([
      '--options.size[0] must be an integer between 1 and 4096 (got 3.5)',
      '--options.std[1]: std must not be 0 (got 0)',
    ]);
  });

  it('shows values short', () => {
    expect(showValue('abc')).toBe('"abc"');
    expect(showValue('y'.repeat(81))).toBe(`"${'y'.repeat(80)}"... (81 characters)`);
    expect(showValue({ a: 'z'.repeat(200) })).toMatch(/\.\.\. \(208 characters\)$/);
    expect(showValue(-1)).toBe('-1');
  });

  it('reads numbers strictly and finds where JSON breaks', () => {
    for (const ok of ['0', '-1', '+2', '1.5', '.5', '5.', '1e3', '-2.5E-3', ' 7 ']) expect(strictNumber(ok)).toBe(Number(ok));
    for (const no of ['', ' ', 'abc', 'NaN', 'Infinity', '-Infinity', '1x', '0x10', '1e', '1,5', '1e999', '--1'])
      expect(strictNumber(no)).toBeUndefined();
    expect(jsonErrorOffset('{"a":1}')).toBe(-1);
    expect(jsonErrorOffset('{"a":tru}')).toBe(8);
    expect(jsonErrorOffset('[1,2')).toBe(4);
    expect(jsonErrorOffset('{"a":"\\q"}')).toBe(7);
    expect(jsonErrorOffset(' [1, {"b": [null, false, "x\\u00e9"]}] ')).toBe(-1);
  });
});
