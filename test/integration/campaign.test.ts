import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contract } from '../../src/shared/contract';
import { createBackend, type Backend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { writeFashionMnistTree } from '../helpers/fashionMnist';
import { tempDirSync } from '../helpers/tempDir';
import { fixedInputModel, logModel, solidPng, writeModel } from '../helpers/tinyVision';
import { newTally, runCase, type Case, type Fixture } from './campaign.harness';
import { CNN, CNN_POOLED, extract, probeProject } from './explain.helpers';

// The standing bad-input campaign (issue #11): every category the 203-case campaign tried, and every fix it
// led to, as a table of CLI command lines against a copy of a real project (30 Fashion-MNIST images, the
// demo CNN, an extracted layer, an LE run). Each case: exit code, error code, the words the user must see,
// project byte-for-byte unchanged where nothing should be written, integrity_check ok. The slow fault part
// (kill -9, disk full, parallel processes, read-only mounts) is campaign.faults.test.ts.

let f: Fixture;
const tally = newTally();

beforeAll(async () => {
  const fx = await probeProject(3);
  const setId = await extract(fx, CNN, CNN_POOLED);
  const run = await call(fx.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1, 2] });
  const labels = await call(fx.backend, 'conceptSet.fromLabels', { probeSetId: fx.probeSetId });
  const model = (await call(fx.backend, 'model.list', {}))[0];
  const project = fx.backend.state.requireProject().path;
  fx.backend.dispose();
  // A stable copy outside the test's own folder (removed after the file, see test/setup.ts).
  const dir = tempDirSync('nwb-campaign');
  copyFileSync(project, join(dir, 'base.nwb'));
  writeFileSync(join(dir, 'concepts.txt'), 'stripes\nleather\nheel\n');
  f = {
    project: join(dir, 'base.nwb'),
    dir,
    ids: { set: setId, run: run.run.id, probe: fx.probeSetId, labels: labels.id, model: model.id, images: 30 },
  };
}, 120_000);

afterAll(() => {
  // The totals the closing note of #11 reports.
  console.log(
    `campaign: ${tally.cases} cases, ${tally.clear} clear errors, ${tally.unclear} unclear, ${tally.internal} internal, ${tally.lost} lost, ${tally.succeeded} succeeded as intended`,
  );
});

const id = (k: string) => (c: { ids: Record<string, number | string> }) => String(c.ids[k]);
const same = 'same' as const;

/** A bad value for a numeric flag: the message names the flag and says the real rule. */
function numeric(
  cat: string,
  cmd: string,
  base: (c: { ids: Record<string, number | string> }) => string[],
  flag: string,
  value: string,
  says: RegExp,
): Case {
  return {
    cat,
    name: `${cmd} --${flag} ${value}`,
    argv: (c) => [cmd, ...base(c), `--${flag}`, value],
    exit: 2,
    code: 'bad_input',
    says: [new RegExp(`--${flag}`), says],
    project: same,
  };
}

const explainBase = (c: { ids: Record<string, number | string> }) => ['--activationSetId', id('set')(c)];
const resultsBase = (c: { ids: Record<string, number | string> }) => ['--runId', id('run')(c)];

const NUMBERS: Case[] = [
  numeric(
    'flags: numbers',
    'activations.extract',
    (c) => ['--modelId', id('model')(c), '--layer', CNN_POOLED, '--probeSetId', id('probe')(c)],
    'batchSize',
    '0',
    />= 1|at least 1|between 1/,
  ),
  numeric(
    'flags: numbers',
    'activations.extract',
    (c) => ['--modelId', id('model')(c), '--layer', CNN_POOLED, '--probeSetId', id('probe')(c)],
    'batchSize',
    'abc',
    /integer|number/,
  ),
  numeric(
    'flags: numbers',
    'activations.extract',
    (c) => ['--modelId', id('model')(c), '--layer', CNN_POOLED, '--probeSetId', id('probe')(c)],
    'batchSize',
    '2.5',
    /integer|whole/,
  ),
  numeric(
    'flags: numbers',
    'activations.extract',
    (c) => ['--modelId', id('model')(c), '--layer', CNN_POOLED, '--probeSetId', id('probe')(c)],
    'threads',
    '-2',
    />= 1|at least 1|between/,
  ),
  numeric('flags: numbers', 'activations.neuron', explainBase, 'neuron', '-1', />= 0|at least 0|between 0/),
  numeric('flags: numbers', 'activations.neuron', explainBase, 'neuron', 'NaN', /integer|number/),
  numeric('flags: numbers', 'explain.results', resultsBase, 'limit', '0', />= 1|at least 1|between/),
  numeric('flags: numbers', 'explain.results', resultsBase, 'offset', '-5', />= 0|at least 0|between 0/),
  numeric('flags: numbers', 'explain.results', resultsBase, 'limit', '1e9', /<=|at most|between/),
  numeric('flags: numbers', 'explain.run', explainBase, 'lambda', '-0.1', />|positive|at least/),
  numeric('flags: numbers', 'explain.run', explainBase, 'maxConcepts', '0', />= 1|at least 1|between/),
  numeric('flags: numbers', 'explain.run', explainBase, 'width', 'many', /integer|number/),
  numeric('flags: numbers', 'explain.run', explainBase, 'seed', 'abc', /integer|number/),
  numeric('flags: numbers', 'explain.run', explainBase, 'seed', '-3', />= 0|at least 0|between/),
  numeric('flags: numbers', 'explain.run', explainBase, 'eps', 'NaN', /number/),
  numeric('flags: numbers', 'explain.run', explainBase, 'blockSize', '0', />= 1|at least 1|between/),
  numeric('flags: numbers', 'explain.run', explainBase, 'eta', '1x', /number/),
  numeric('flags: numbers', 'topimpact.run', explainBase, 'temperature', '0', />|positive|at least/),
  numeric('flags: numbers', 'topimpact.run', explainBase, 'temperature', '', /number|value/),
  numeric('flags: numbers', 'explain.neuron', resultsBase, 'neuron', '1.5', /integer|whole/),
  numeric('flags: numbers', 'explain.neuron', resultsBase, 'topK', '-1', />= 0|at least|between/),
  numeric(
    'flags: numbers',
    'probe.images',
    (c) => ['--probeSetId', id('probe')(c)],
    'limit',
    '5000',
    /<= 2000|at most 2000|between 1 and 2000/,
  ),
  numeric('flags: numbers', 'probe.thumbnails', () => ['--imageIds', '1'], 'size', 'big', /integer|number/),
  numeric('flags: numbers', 'calibration.set', () => ['--encoderId', '1', '--b', '0'], 'a', 'Infinity', /number|finite/),
  numeric('flags: numbers', 'ablation.results', () => ['--ablationRunId', '1'], 'offset', '-1', />= 0|at least 0|between 0/),
];

const LISTS_AND_JSON: Case[] = [
  {
    cat: 'flags: lists',
    name: 'a list with an empty item',
    argv: (c) => ['explain.run', ...explainBase(c), '--neurons', '1,,3'],
    exit: 2,
    code: 'bad_input',
    says: [/--neurons/],
    project: same,
  },
  {
    cat: 'flags: lists',
    name: 'a list with a word',
    argv: (c) => ['explain.run', ...explainBase(c), '--neurons', '1,a'],
    exit: 2,
    code: 'bad_input',
    says: [/--neurons/, /"?a"?/],
    project: same,
  },
  {
    cat: 'flags: lists',
    name: 'a negative neuron in a list',
    argv: (c) => ['topimpact.run', ...explainBase(c), '--neurons', '1,-2'],
    exit: 2,
    code: 'bad_input',
    says: [/--neurons/, />= 0|at least 0|between 0/],
    project: same,
  },
  {
    cat: 'flags: lists',
    name: 'neurons out of range',
    argv: (c) => ['explain.run', ...explainBase(c), '--neurons', '1,640'],
    exit: 2,
    code: 'bad_input',
    says: [/640/, /out of range/],
    project: same,
  },
  {
    cat: 'flags: lists',
    name: '--neurons 4,5,6 explains exactly those neurons',
    argv: (c) => ['explain.run', ...explainBase(c), '--neurons', '4,5,6'],
    exit: 0,
    project: 'changed',
    after: (c, out) => {
      const r = JSON.parse(out.stdout) as { run: { id: number; params: { neurons: number[] | null } }; neurons: number };
      expect(r.run.params.neurons).toEqual([4, 5, 6]);
      const db = new Database(c.P, { readonly: true });
      const rows = db.prepare('SELECT DISTINCT neuron FROM explanations WHERE explain_run_id = ? ORDER BY neuron').all(r.run.id) as {
        neuron: number;
      }[];
      db.close();
      expect(rows.map((x) => x.neuron)).toEqual([4, 5, 6]);
    },
  },
  {
    cat: 'flags: lists',
    name: 'topimpact.run --neurons 1,2 runs exactly those neurons',
    argv: (c) => ['topimpact.run', ...explainBase(c), '--neurons', '1,2'],
    exit: 0,
    project: 'changed',
    after: (_c, out) => {
      expect(JSON.stringify(JSON.parse(out.stdout))).toMatch(/"neurons":\[1,2\]/);
    },
  },
  {
    cat: 'flags: JSON',
    name: 'a truncated conceptSource',
    argv: (c) => ['explain.run', ...explainBase(c), '--conceptSource', '{"kind":'],
    exit: 2,
    code: 'bad_input',
    says: [/--conceptSource/, /JSON/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: 'an unknown conceptSource kind',
    argv: (c) => ['explain.run', ...explainBase(c), '--conceptSource', '{"kind":"magic"}'],
    exit: 2,
    code: 'bad_input',
    says: [/--conceptSource/, /labels|encoder/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: 'std of 0 in preprocessing',
    argv: (c) => ['model.setPreprocessing', '--modelId', id('model')(c), '--options', '{"std":[0]}'],
    exit: 2,
    code: 'bad_input',
    says: [/std must not be 0/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: 'a negative resize',
    argv: (c) => ['model.setPreprocessing', '--modelId', id('model')(c), '--options', '{"resize":-28}'],
    exit: 2,
    code: 'bad_input',
    says: [/--options/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: 'malformed --json',
    argv: (c) => ['explain.results', '--json', `{"runId": ${id('run')(c)},`],
    exit: 2,
    code: 'bad_input',
    says: [/--json/, /JSON/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: '--json that is an array',
    argv: () => ['explain.results', '--json', '[1,2]'],
    exit: 2,
    code: 'bad_input',
    says: [/--json must be a JSON object/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: '--json with an unknown key',
    argv: (c) => ['explain.results', '--json', `{"runId": ${id('run')(c)}, "colour": 1}`],
    exit: 2,
    code: 'bad_input',
    says: [/colour/],
    project: same,
  },
  {
    cat: 'flags: JSON',
    name: 'a sort object with a bad key',
    argv: (c) => ['explain.results', ...resultsBase(c), '--sort', '{"by":"nonsense"}'],
    exit: 2,
    code: 'bad_input',
    says: [/--sort/],
    project: same,
  },
  {
    cat: 'flags: unknown',
    name: 'an unknown flag',
    argv: (c) => ['explain.results', ...resultsBase(c), '--colour', 'red'],
    exit: 2,
    code: 'bad_input',
    says: [/--colour/, /--runId/],
    project: same,
  },
  {
    cat: 'flags: unknown',
    name: 'a misspelt flag',
    argv: (c) => ['explain.run', ...explainBase(c), '--neuron', '3'],
    exit: 2,
    code: 'bad_input',
    says: [/--neuron\b/],
    project: same,
  },
  {
    cat: 'flags: unknown',
    name: 'an unknown command',
    argv: () => ['explain.rnu'],
    exit: 2,
    code: 'bad_input',
    says: [/Unknown command/, /--help/],
    project: same,
  },
  {
    cat: 'flags: unknown',
    name: 'a value without its flag',
    argv: (c) => ['explain.results', ...resultsBase(c), 'extra'],
    exit: 2,
    code: 'bad_input',
    says: [/Unexpected argument/],
    project: same,
  },
  {
    cat: 'flags: missing',
    name: 'a flag without a value',
    argv: (c) => ['explain.results', ...resultsBase(c), '--limit'],
    exit: 2,
    code: 'bad_input',
    says: [/--limit/],
    project: same,
  },
  {
    cat: 'flags: missing',
    name: 'a required flag left out',
    argv: () => ['explain.results'],
    exit: 2,
    code: 'bad_input',
    says: [/--runId/],
    project: same,
  },
  {
    cat: 'flags: missing',
    name: 'an enum value not in the list',
    argv: (c) => ['activations.export', ...explainBase(c), '--path', 'x.csv', '--format', 'xlsx'],
    exit: 2,
    code: 'bad_input',
    says: [/--format/, /csv/, /npy/],
    project: same,
  },
  {
    cat: 'flags: missing',
    name: 'a switch given a word',
    argv: (c) => ['explain.results', ...resultsBase(c), '--includeDead', 'maybe'],
    exit: 2,
    code: 'bad_input',
    says: [/--includeDead/],
    project: same,
  },
  {
    cat: 'flags: long values',
    name: 'a 100 KB --text is not echoed whole',
    argv: (c) => ['explain.scoreText', ...resultsBase(c), '--neuron', '0', '--text', 'x'.repeat(102_400)],
    exit: 2,
    code: 'bad_input',
    says: [/--text/, /102400 characters/],
    project: same,
  },
  {
    cat: 'flags: long values',
    name: 'a 100 KB unknown flag name',
    argv: (c) => ['explain.results', ...resultsBase(c), `--${'y'.repeat(100_000)}`, '1'],
    exit: 2,
    code: 'bad_input',
    says: [/has no flag/],
    project: same,
  },
];

const exportTarget =
  (kind: 'explain' | 'acts' | 'report', path: (c: { P: string; D: string }) => string, more: string[] = []) =>
  (c: { P: string; D: string; ids: Record<string, number | string> }) =>
    kind === 'explain'
      ? ['explain.export', ...resultsBase(c), '--format', 'csv', '--path', path(c), ...more]
      : kind === 'report'
        ? ['report.export', '--run', String(resultsBase(c)[1]), '--format', 'html', '--neurons', 'top:2', '--path', path(c), ...more]
        : ['activations.export', ...explainBase(c), '--format', 'npy', '--path', path(c), ...more];

const EXPORTS: Case[] = [
  ...(['explain', 'acts', 'report'] as const).flatMap((k): Case[] => [
    {
      cat: 'exports',
      name: `${k} export over the open project`,
      argv: exportTarget(k, (c) => c.P),
      exit: 2,
      code: 'protected_path',
      says: [/Refusing to write/, /project/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export over the open project with --overwrite`,
      argv: exportTarget(k, (c) => c.P, ['--overwrite']),
      exit: 2,
      code: 'protected_path',
      says: [/Refusing to write/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export over its -wal`,
      argv: exportTarget(k, (c) => `${c.P}-wal`, ['--overwrite']),
      exit: 2,
      code: 'protected_path',
      says: [/Refusing to write/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export over its -shm`,
      argv: exportTarget(k, (c) => `${c.P}-shm`),
      exit: 2,
      code: 'protected_path',
      says: [/Refusing to write/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export into its cache folder`,
      argv: exportTarget(k, (c) => join(c.D, 'p.cache', 'x.csv')),
      setup: (c) => mkdirSync(join(c.D, 'p.cache')),
      exit: 2,
      code: 'protected_path',
      says: [/Refusing to write/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export over another project`,
      argv: exportTarget(k, (c) => join(c.D, 'other.nwb'), ['--overwrite']),
      setup: (c) => copyFileSync(c.P, join(c.D, 'other.nwb')),
      exit: 2,
      code: 'protected_path',
      says: [/is a Neuron Workbench project/],
      project: same,
      after: (c) => expect(readFileSync(join(c.D, 'other.nwb')).equals(readFileSync(c.P))).toBe(true),
    },
    {
      cat: 'exports',
      name: `${k} export over an existing file`,
      argv: exportTarget(k, (c) => join(c.D, 'keep.csv')),
      setup: (c) => writeFileSync(join(c.D, 'keep.csv'), 'keep me'),
      exit: 2,
      code: 'file_exists',
      says: [/already exists/, /--overwrite/],
      project: same,
      after: (c) => expect(readFileSync(join(c.D, 'keep.csv'), 'utf8')).toBe('keep me'),
    },
    {
      cat: 'exports',
      name: `${k} export over an existing file with --overwrite`,
      argv: exportTarget(k, (c) => join(c.D, 'keep.csv'), ['--overwrite']),
      setup: (c) => writeFileSync(join(c.D, 'keep.csv'), 'keep me'),
      exit: 0,
      project: same,
      after: (c) => expect(readFileSync(join(c.D, 'keep.csv'), 'utf8')).not.toBe('keep me'),
    },
    {
      cat: 'exports',
      name: `${k} export into a missing folder`,
      argv: exportTarget(k, (c) => join(c.D, 'nope', 'x.csv')),
      exit: 2,
      code: 'not_found',
      says: [/does not exist/, /nope/],
      project: same,
    },
    {
      cat: 'exports',
      name: `${k} export to a folder`,
      argv: exportTarget(k, (c) => c.D),
      exit: 2,
      code: 'bad_input',
      says: [/is a folder/],
      project: same,
    },
  ]),
  {
    cat: 'exports',
    name: 'export by a ./relative path to the project',
    argv: (c) => ['explain.export', ...resultsBase(c), '--format', 'json', '--path', `./${relative(process.cwd(), c.P)}`],
    exit: 2,
    code: 'protected_path',
    project: same,
  },
];

function damage(sql: string) {
  return (c: { P: string }) => {
    const db = new Database(c.P);
    db.pragma('journal_mode = DELETE'); // a file that is not in WAL mode: opening must not switch it
    db.exec(sql);
    db.close();
  };
}

const walFlag = (path: string) => readFileSync(path).subarray(18, 20).toString('hex'); // 0101 rollback journal, 0202 WAL

const PROJECTS: Case[] = [
  {
    cat: 'projects',
    name: 'a dropped table is refused as damaged, and the file is not switched to WAL',
    argv: () => ['model.list'],
    setup: damage('DROP TABLE neuron_stats'),
    exit: 2,
    code: 'corrupt_project',
    says: [/damaged/, /neuron_stats/],
    project: same,
    after: (c) => expect(walFlag(c.P)).toBe('0101'),
  },
  {
    cat: 'projects',
    name: 'a lowered schema version is refused as damaged, and the file is not switched to WAL',
    argv: () => ['model.list'],
    setup: damage('PRAGMA user_version = 1'),
    exit: 2,
    code: 'corrupt_project',
    says: [/damaged/, /schema version/],
    project: same,
    after: (c) => expect(walFlag(c.P)).toBe('0101'),
  },
  {
    cat: 'projects',
    name: 'a missing project',
    argv: (c) => ['model.list', '--project', join(c.D, 'none.nwb')],
    noProject: true,
    exit: 2,
    code: 'not_found',
    says: [/none\.nwb/],
    project: same,
  },
  {
    cat: 'projects',
    name: 'a CSV is not a project',
    argv: (c) => ['model.list', '--project', join(c.D, 'x.csv')],
    setup: (c) => writeFileSync(join(c.D, 'x.csv'), 'a,b\n1,2\n'),
    noProject: true,
    exit: 2,
    code: 'not_a_project',
    project: same,
  },
  {
    cat: 'projects',
    name: 'no project open',
    argv: () => ['model.list'],
    noProject: true,
    exit: 2,
    code: 'no_project',
    says: [/No project is open/],
    project: same,
  },
  {
    cat: 'projects',
    name: 'create over an existing project',
    argv: (c) => ['project.create', '--path', c.P],
    noProject: true,
    exit: 2,
    code: 'bad_input',
    says: [/already exists/],
    project: same,
  },
  {
    cat: 'projects',
    name: 'a read-only open refuses writes with read_only',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'c.txt'), '--readOnly'],
    setup: (c) => writeFileSync(join(c.D, 'c.txt'), 'a\nb\n'),
    exit: 2,
    code: 'read_only',
    says: [/read-only/],
    project: same,
  },
];

const FILES: Case[] = [
  {
    cat: 'files: encodings',
    name: 'a UTF-16 concept list',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'c16.txt')],
    setup: (c) =>
      writeFileSync(join(c.D, 'c16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('stripes\nheel\n', 'utf16le')])),
    exit: 2,
    code: 'bad_encoding',
    says: [/c16\.txt/, /UTF-16/, /UTF-8/],
    project: same,
  },
  {
    cat: 'files: encodings',
    name: 'a binary file (a PNG) named as a concept list',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'c.txt')],
    setup: (c) =>
      writeFileSync(join(c.D, 'c.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])),
    exit: 2,
    code: 'bad_encoding',
    says: [/c\.txt/, /binary|not text/],
    project: same,
  },
  {
    cat: 'files: encodings',
    name: 'a UTF-16 LE results CSV',
    argv: (c) => ['explain.import', ...explainBase(c), '--path', join(c.D, 'le16.csv')],
    setup: (c) => writeFileSync(join(c.D, 'le16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('layer,unit\n', 'utf16le')])),
    exit: 2,
    code: 'bad_encoding',
    says: [/le16\.csv/, /UTF-16/],
    project: same,
  },
  {
    cat: 'files: encodings',
    name: 'a concept file with an invalid UTF-8 byte (Latin-1 text)',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'latin1.txt')],
    setup: (c) => writeFileSync(join(c.D, 'latin1.txt'), Buffer.from('caf\xe9\nbag\n', 'latin1')),
    exit: 2,
    code: 'bad_encoding',
    says: [/latin1\.txt/, /UTF-8/],
    project: same,
  },
  {
    cat: 'files: encodings',
    name: 'a UTF-8 BOM is accepted',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'bom.txt')],
    setup: (c) => writeFileSync(join(c.D, 'bom.txt'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('stripes\nheel\n')])),
    exit: 0,
    says: [/"name": "bom/],
    project: 'changed',
  },
  {
    cat: 'files: missing',
    name: 'a missing concept file',
    argv: (c) => ['conceptSet.import', '--path', join(c.D, 'none.txt')],
    exit: 2,
    code: 'not_found',
    says: [/none\.txt/],
    project: same,
  },
  {
    cat: 'files: missing',
    name: 'a missing probe folder',
    argv: (c) => ['probe.import', '--root', join(c.D, 'none')],
    exit: 2,
    code: 'not_found',
    says: [/none/],
    project: same,
  },
  {
    cat: 'files: missing',
    name: 'a missing model file',
    argv: (c) => ['model.add', '--path', join(c.D, 'none.onnx')],
    exit: 2,
    code: 'not_found',
    says: [/none\.onnx/],
    project: same,
  },
  {
    cat: 'files: models',
    name: 'a text file as a model',
    argv: (c) => ['model.add', '--path', join(c.D, 'm.onnx')],
    setup: (c) => writeFileSync(join(c.D, 'm.onnx'), 'not a model'),
    exit: 2,
    code: 'model_invalid',
    says: [/m\.onnx/],
    project: same,
  },
  {
    cat: 'files: models',
    name: 'a folder as a model',
    argv: (c) => ['model.add', '--path', c.D],
    exit: 2,
    code: 'model_invalid',
    project: same,
  },
  {
    cat: 'files: LE CSV',
    name: 'an LE CSV of another layer is refused',
    argv: (c) => ['explain.import', ...explainBase(c), '--path', join(c.D, 'le.csv')],
    setup: (c) =>
      writeFileSync(join(c.D, 'le.csv'), 'layer,unit,val correlation,weight0,concept0,bias,sim correlation\nlayer4,0,0.5,1,Sandal,0,0.4\n'),
    exit: 2,
    code: 'bad_input',
    says: [/layer4/, new RegExp(CNN_POOLED.replace(/\//g, '\\/'))],
    project: same,
  },
  {
    cat: 'files: probes',
    name: 'a probe folder with no images',
    argv: (c) => ['probe.import', '--root', join(c.D, 'empty')],
    setup: (c) => mkdirSync(join(c.D, 'empty', 'a'), { recursive: true }),
    exit: 2,
    code: 'bad_input',
    says: [/empty/],
    project: same,
  },
];

const IDS: Case[] = [
  {
    cat: 'ids',
    name: 'an unknown activation set',
    argv: () => ['explain.run', '--activationSetId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/999/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an unknown run',
    argv: () => ['explain.results', '--runId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/999/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an unknown model',
    argv: () => ['model.info', '--modelId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/999/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an unknown probe set',
    argv: () => ['probe.summary', '--probeSetId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/999/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'a neuron out of range',
    argv: (c) => ['activations.neuron', ...explainBase(c), '--neuron', '640'],
    exit: 2,
    code: 'bad_input',
    says: [/640/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'a bookmark of a neuron out of range',
    argv: (c) => ['bookmark.set', ...explainBase(c), '--neuron', '640', '--note', 'x'],
    exit: 2,
    code: 'bad_input',
    says: [/Neuron 640 is out of range/, /0\.\.\d+/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'a bookmark in an unknown activation set',
    argv: () => ['bookmark.set', '--activationSetId', '999', '--neuron', '0'],
    exit: 2,
    code: 'not_found',
    says: [/Activation set 999 does not exist/, /activations\.list/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'similar units of a neuron out of range',
    argv: (c) => ['neuron.similar', ...explainBase(c), '--neuron', '640'],
    exit: 2,
    code: 'bad_input',
    says: [/Neuron 640 is out of range/, /0\.\.\d+/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'similar units in an unknown activation set',
    argv: () => ['neuron.similar', '--activationSetId', '999', '--neuron', '0'],
    exit: 2,
    code: 'not_found',
    says: [/Activation set 999 does not exist/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'a search by meaning through an unknown encoder',
    argv: () => ['neuron.search', '--text', 'shoe', '--encoderId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/Encoder 999 does not exist/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'two methods compared with a run that does not exist',
    argv: (c) => ['explain.agreement', '--runA', String(resultsBase(c)[1]), '--runB', '999'],
    exit: 2,
    code: 'not_found',
    says: [/run 999 does not exist/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an id of 0',
    argv: () => ['model.info', '--modelId', '0'],
    exit: 2,
    code: 'bad_input',
    says: [/--modelId/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an unknown job',
    argv: () => ['jobs.resume', '--jobId', '999'],
    exit: 2,
    code: 'not_found',
    says: [/999/],
    project: same,
  },
  {
    cat: 'ids',
    name: 'an unknown layer',
    argv: (c) => ['activations.extract', '--modelId', id('model')(c), '--probeSetId', id('probe')(c), '--layer', '/nope'],
    exit: 2,
    code: 'bad_input',
    says: [/\/nope/],
    project: same,
  },
];

/** Prepare a case's project in-process (add a model, import a folder), then close it before the CLI runs. */
async function onCopy<T>(c: { P: string; D: string }, f: (b: Backend) => Promise<T>): Promise<T> {
  const b = createBackend({ userDataDir: join(c.D, 'setup-data'), mode: 'test' });
  try {
    await call(b, 'project.open', { path: c.P });
    return await f(b);
  } finally {
    b.dispose();
  }
}

/** Eight solid-colour images; image 3 has R < 128, so the log model's neuron 0 is NaN there (tinyVision.ts). */
async function logModelProject(c: { P: string; D: string; ids: Record<string, number | string> }): Promise<void> {
  const root = join(c.D, 'colours');
  for (let i = 0; i < 8; i++) {
    mkdirSync(join(root, i % 2 ? 'b' : 'a'), { recursive: true });
    await solidPng(join(root, i % 2 ? 'b' : 'a', `img${i}.png`), [i === 3 ? 60 : 150 + i, 40 + i, 30 + i]);
  }
  await onCopy(c, async (b) => {
    c.ids.colours = (await call(b, 'probe.import', { root })).probeSetId;
    const m = await call(b, 'model.add', { path: writeModel(c.D, 'log.onnx', logModel()) });
    await call(b, 'model.setPreprocessing', { modelId: m.id, preset: 'unit' });
    c.ids.logModel = m.id;
  });
}

const extractLog = (c: { ids: Record<string, number | string> }) => [
  'activations.extract',
  '--modelId',
  id('logModel')(c),
  '--probeSetId',
  id('colours')(c),
  '--layer',
  'feat',
  '--summary',
  'identity',
];

const MODELS: Case[] = [
  {
    cat: 'models: non-finite output',
    name: 'NaN activations stop the extraction, naming the layer, the first image and the counts',
    setup: logModelProject,
    argv: extractLog,
    exit: 2,
    code: 'non_finite',
    says: [/Layer 'feat'/, /img3\.png/, /NaN or \+-Infinity/, /--onNonFinite flag/],
    project: 'changed', // the job row says why it stopped
    after: async (c) => {
      const jobs = await onCopy(c, (b) => call(b, 'jobs.list', {}));
      expect(jobs[0]).toMatchObject({ kind: 'activations.extract', resumable: true });
      expect(jobs[0].error).toMatch(/Layer 'feat'/);
    },
  },
  {
    cat: 'models: non-finite output',
    name: '--onNonFinite flag stores them and flags exactly the NaN neuron',
    setup: logModelProject,
    argv: (c) => [...extractLog(c), '--onNonFinite', 'flag'],
    exit: 0,
    project: 'changed',
    after: async (c) => {
      const sets = await onCopy(c, (b) => call(b, 'activations.list', { modelId: Number(c.ids.logModel) }));
      expect(sets[0].nonFiniteNeurons).toEqual([0]);
    },
  },
  {
    cat: 'models: non-finite output',
    name: 'an LE file covering a flagged neuron imports it unscored, with a warning',
    setup: async (c) => {
      await logModelProject(c);
      await onCopy(c, (b) =>
        call(b, 'activations.extract', {
          modelId: Number(c.ids.logModel),
          probeSetId: Number(c.ids.colours),
          layer: 'feat',
          summary: 'identity',
          onNonFinite: 'flag',
        }),
      );
      writeFileSync(
        join(c.D, 'le.csv'),
        'layer,unit,val correlation,weight0,concept0,bias,sim correlation\nfeat,0,0.5,1,a,0,0.4\nfeat,3,0.5,1,a,0,0.4\n',
      );
    },
    argv: (c) => ['explain.import', '--activationSetId', '2', '--path', join(c.D, 'le.csv')],
    exit: 0,
    says: [/flagged at extraction/, /: 0\./],
    project: 'changed',
    after: (c) => {
      const db = new Database(c.P, { readonly: true });
      const scored = db
        .prepare(
          `SELECT e.neuron FROM scores s JOIN explanations e ON e.id = s.explanation_id WHERE s.simulator = 'label' AND e.activation_set_id = 2 ORDER BY e.neuron`,
        )
        .all() as { neuron: number }[];
      db.close();
      expect([...new Set(scored.map((r) => r.neuron))]).toEqual([3]);
    },
  },
  {
    cat: 'models: input size',
    name: 'a fixed 3x6000x6000 input is refused before anything is written',
    setup: (c) => void writeModel(c.D, 'big.onnx', fixedInputModel([1, 3, 6000, 6000])),
    argv: (c) => ['model.add', '--path', join(c.D, 'big.onnx')],
    exit: 2,
    code: 'model_invalid',
    says: [/big\.onnx/, /6000/, /4096/],
    project: same,
  },
  {
    cat: 'models: input size',
    name: 'a fixed 3x50000x50000 input is refused (was: Invalid typed array length)',
    setup: (c) => void writeModel(c.D, 'huge.onnx', fixedInputModel([1, 3, 50000, 50000])),
    argv: (c) => ['model.add', '--path', join(c.D, 'huge.onnx')],
    exit: 2,
    code: 'model_invalid',
    says: [/huge\.onnx/, /50000/],
    project: same,
  },
  {
    cat: 'models: input size',
    name: 'model.list still works afterwards',
    argv: () => ['model.list'],
    exit: 0,
    says: [/fmnist_cnn/],
    project: same,
  },
];

const PROBES: Case[] = [
  {
    cat: 'probes: names',
    name: 'NFC and NFD forms of one folder name become one class, and the import says so',
    setup: async (c) => {
      for (const form of ['NFC', 'NFD'] as const) {
        const d = join(c.D, 'shop', 'Caf\u00e9'.normalize(form));
        mkdirSync(d, { recursive: true });
        await solidPng(join(d, `${form}.png`), [200, 100, 50]);
      }
    },
    argv: (c) => ['probe.import', '--root', join(c.D, 'shop')],
    exit: 0,
    says: [/different Unicode forms/, /merged into one label/],
    project: 'changed',
    after: async (c) => {
      const s = await onCopy(c, (b) => call(b, 'probe.summary', { probeSetId: 2 }));
      expect(s.labels.filter((x) => x.kind === 'class').map((x) => [x.name, x.images])).toEqual([['Caf\u00e9', 2]]);
    },
  },
  {
    cat: 'probes: names',
    name: 'a file name that is not UTF-8 is skipped with that reason',
    setup: async (c) => {
      const d = join(c.D, 'names', 'Bag');
      mkdirSync(d, { recursive: true });
      await solidPng(join(d, 'ok.png'), [10, 20, 30]);
      const bad = Buffer.concat([Buffer.from(`${d}/caf`), Buffer.from([0xe9]), Buffer.from('.png')]);
      copyFileSync(join(d, 'ok.png'), bad);
    },
    argv: (c) => ['probe.import', '--root', join(c.D, 'names')],
    exit: 0,
    project: 'changed',
    after: async (c) => {
      const skipped = await onCopy(c, (b) => call(b, 'probe.skipped', { probeSetId: 2 }));
      expect(JSON.stringify(skipped)).toMatch(/not valid UTF-8/);
      expect(JSON.stringify(skipped)).toMatch(/63 61 66 e9/);
    },
  },
  {
    cat: 'probes: size',
    name: 'explain.run on a probe set too small for the split',
    setup: async (c) => {
      const root = join(c.D, 'tiny');
      await writeFashionMnistTree(root, { count: 10, split: 'test' });
      await onCopy(c, async (b) => {
        const probeSetId = (await call(b, 'probe.import', { root })).probeSetId;
        c.ids.tinySet = (
          await call(b, 'activations.extract', { modelId: Number(c.ids.model), probeSetId, layer: CNN_POOLED, summary: 'identity' })
        ).activationSet.id;
      });
    },
    argv: (c) => ['explain.run', '--activationSetId', id('tinySet')(c)],
    exit: 2,
    code: 'bad_input',
    says: [/10 image/, /too few/, /at least 15/],
    project: same,
  },
];

/** Every numeric flag of every command, given a word and an overflowing number: refused, naming the flag, before any work. */
function numericSweep(): Case[] {
  const out: Case[] = [];
  for (const [method, def] of Object.entries(contract)) {
    const shape = def.input instanceof z.ZodObject ? (def.input.shape as Record<string, z.ZodType>) : {};
    for (const [flag, schema] of Object.entries(shape)) {
      let base: z.ZodType = schema;
      while (base instanceof z.ZodOptional || base instanceof z.ZodDefault || base instanceof z.ZodNullable)
        base = base.unwrap() as z.ZodType;
      if (!(base instanceof z.ZodNumber)) continue;
      for (const value of ['abc', '1e999']) {
        out.push({
          cat: 'flags: every numeric flag',
          name: `${method} --${flag} ${value}`,
          argv: () => [method, `--${flag}`, value],
          exit: 2,
          code: 'bad_input',
          says: [new RegExp(`--${flag}\\b`), /number|integer/],
          project: same,
        });
      }
    }
  }
  return out;
}

// A label mapping whose accuracy is near chance (every Fashion-MNIST class shifted by one; the fixture's order).
const SHIFTED = JSON.stringify(
  Object.fromEntries(
    ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle_boot'].map((n, i) => [
      n,
      (i + 1) % 10,
    ]),
  ),
);
const MAPPING: Case[] = [
  {
    cat: 'ablation: label mapping',
    name: 'topimpact.run on a mapping near chance is refused, naming the accuracy, chance and the fix',
    argv: (c) => ['topimpact.run', ...explainBase(c), '--neurons', '1,2', '--mapping', SHIFTED],
    exit: 2,
    code: 'bad_input',
    says: [/Top Impact refused/, /near chance/, /ablation\.mapping/, /--confirmLowAccuracy true/],
    project: same,
  },
  {
    cat: 'ablation: label mapping',
    name: 'ablation.run on a mapping near chance is refused the same way',
    argv: (c) => ['ablation.run', '--explainRunId', id('run')(c), '--mapping', SHIFTED],
    exit: 2,
    code: 'bad_input',
    says: [/Ablation scoring refused/, /near chance/, /--confirmLowAccuracy true/],
    project: same,
  },
  {
    cat: 'ablation: label mapping',
    name: '--confirmLowAccuracy true runs Top Impact on that mapping',
    argv: (c) => ['topimpact.run', ...explainBase(c), '--neurons', '1,2', '--mapping', SHIFTED, '--confirmLowAccuracy', 'true'],
    exit: 0,
    project: 'changed',
    after: (_c, out) => {
      expect(JSON.parse(out.stdout)).toMatchObject({ run: { params: { mappingSource: 'explicit', confirmLowAccuracy: true } } });
    },
  },
];

const SPLITS: Case[] = [
  {
    cat: 'splits: import',
    name: 'a split CSV with a split name that is not train/val/test',
    argv: (c) => ['split.import', '--probeSetId', id('probe')(c), '--path', join(c.D, 'split.csv')],
    setup: (c) => writeFileSync(join(c.D, 'split.csv'), 'rel_path,split\nBag/x.png,holdout\n'),
    exit: 2,
    code: 'bad_input',
    says: [/split\.csv/, /holdout/, /train, val or test/],
    project: same,
  },
  {
    cat: 'splits: import',
    name: 'a split CSV naming an image the probe set does not have',
    argv: (c) => ['split.import', '--probeSetId', id('probe')(c), '--path', join(c.D, 'split.csv')],
    setup: (c) => writeFileSync(join(c.D, 'split.csv'), 'rel_path,split\nBag/nope.png,train\n'),
    exit: 2,
    code: 'bad_input',
    says: [/Bag\/nope\.png/, /not images of this probe set/],
    project: same,
  },
  {
    cat: 'splits: import',
    name: 'index lists that leave images out',
    argv: (c) => ['split.import', '--probeSetId', id('probe')(c), '--indices', '{"train":[0,1],"val":[2],"test":[3]}'],
    exit: 2,
    code: 'bad_input',
    says: [/26 of the probe set's 30 images are in no list/],
    project: same,
  },
  {
    cat: 'splits: import',
    name: 'a missing split file',
    argv: (c) => ['split.import', '--probeSetId', id('probe')(c), '--path', join(c.D, 'none.csv')],
    exit: 2,
    code: 'not_found',
    says: [/none\.csv/],
    project: same,
  },
];

// Generative models (#13): the library is the case's own user-data folder (NWB_DATA_DIR), empty unless a setup adds one.
const DESCRIBERS = join(import.meta.dirname, '..', '..', 'resources', 'fixtures', 'describers');
const GGUF = join(DESCRIBERS, 'language_model', 'fmnist-concepts.gguf');
/** Add a fixture model to the case's library, as the CLI would (same user-data folder). */
const withDescriber =
  (role: 'captioner' | 'language_model', path: string) => async (c: { D: string; ids: Record<string, number | string> }) => {
    const b = createBackend({ userDataDir: join(c.D, 'user-data'), mode: 'test' });
    try {
      c.ids.describer = (await call(b, 'describer.add', { role, path })).id;
    } finally {
      b.dispose();
    }
  };
const GENERATIVE: Case[] = [
  {
    cat: 'generative models',
    name: 'a GGUF file added as a captioner is refused, naming the file',
    argv: () => ['describer.add', '--role', 'captioner', '--path', GGUF],
    noProject: true,
    exit: 2,
    code: 'describer_invalid',
    says: [/fmnist-concepts\.gguf/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'a missing generator folder',
    argv: (c) => ['describer.add', '--role', 'image_generator', '--path', join(c.D, 'no-such-model')],
    noProject: true,
    exit: 2,
    code: 'not_found',
    says: [/no-such-model/, /does not exist/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'an unknown role',
    argv: () => ['describer.add', '--role', 'painter', '--path', GGUF],
    noProject: true,
    exit: 2,
    code: 'bad_input',
    says: [/--role/, /captioner/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'an endpoint on another machine without allowRemote',
    argv: () => ['describer.add', '--role', 'language_model', '--endpoint', '{"baseUrl":"http://10.1.2.3:8080/v1","model":"m"}'],
    noProject: true,
    exit: 2,
    code: 'bad_input',
    says: [/10\.1\.2\.3/, /not this machine/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'an endpoint that is not a URL',
    argv: () => ['describer.add', '--role', 'language_model', '--endpoint', '{"baseUrl":"ollama","model":"m"}'],
    noProject: true,
    exit: 2,
    code: 'bad_input',
    says: [/--endpoint/, /baseUrl/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'a captioner without a path',
    argv: () => ['describer.add', '--role', 'captioner'],
    noProject: true,
    exit: 2,
    code: 'bad_input',
    says: [/Give the path of a captioner/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'captioning with a model the library does not hold',
    argv: () => ['caption.run', '--describerId', '5', '--imageIds', '1'],
    exit: 2,
    code: 'not_found',
    says: [/Generative model 5/, /describer\.list/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'a crop outside the image',
    setup: withDescriber('captioner', join(DESCRIBERS, 'captioner')),
    argv: (c) => ['caption.run', '--describerId', id('describer')(c), '--images', '[{"imageId":1,"box":[0,0,40,40]}]'],
    exit: 2,
    code: 'bad_input',
    says: [/Crop box \[0, 0, 40, 40\]/, /outside its 28x28 pixels/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'beam search with a Florence-2 captioner',
    setup: withDescriber('captioner', join(DESCRIBERS, 'florence_captioner')),
    argv: (c) => ['caption.run', '--describerId', id('describer')(c), '--imageIds', '1', '--numBeams', '3'],
    exit: 2,
    code: 'bad_input',
    says: [/beam search is not available for Florence-2/, /numBeams 1/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'beam search with a SmolVLM captioner',
    setup: withDescriber('captioner', join(DESCRIBERS, 'smolvlm_captioner')),
    argv: (c) => ['caption.run', '--describerId', id('describer')(c), '--imageIds', '1', '--numBeams', '2'],
    exit: 2,
    code: 'bad_input',
    says: [/beam search is not available for SmolVLM/, /numBeams 1/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'a Florence-2 task prompt for a vit-gpt2 captioner',
    setup: withDescriber('captioner', join(DESCRIBERS, 'captioner')),
    argv: (c) => ['caption.run', '--describerId', id('describer')(c), '--imageIds', '1', '--task', '<DETAILED_CAPTION>'],
    exit: 2,
    code: 'bad_input',
    says: [/task '<DETAILED_CAPTION>'/, /Florence-2/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'a JSON schema keyword the answer check cannot check',
    setup: withDescriber('language_model', GGUF),
    argv: (c) => ['lm.complete', '--describerId', id('describer')(c), '--prompt', 'captions: a bag', '--schema', '{"$ref":"#/x"}'],
    exit: 2,
    code: 'bad_input',
    says: [/\$ref/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'more images than one request makes',
    argv: () => ['generate.images', '--describerId', '1', '--prompt', 'a bag', '--count', '1000'],
    exit: 2,
    code: 'bad_input',
    says: [/--count/, /64/],
    project: same,
  },
  {
    cat: 'generative models',
    name: 'exporting a generated image the project does not hold',
    argv: (c) => ['generated.export', '--imageIds', '1', '--folder', join(c.D, 'out')],
    exit: 2,
    code: 'not_found',
    says: [/Generated image 1/],
    project: same,
  },
];

// Describe-and-Dissect, CLIP-Dissect and label imports: refused before anything is written.
const DISSECT: Case[] = [
  {
    cat: 'dissect',
    name: 'DnD without a captioner names the flag (or the stage to switch off)',
    argv: (c) => ['dnd.run', ...explainBase(c), '--encoderId', '1'],
    exit: 2,
    code: 'bad_input',
    says: [/--captionerId/, /describer\.list/],
    project: same,
  },
  {
    cat: 'dissect',
    name: 'an image prompt without {concept}',
    argv: (c) => ['dnd.run', ...explainBase(c), '--encoderId', '1', '--promptTemplate', 'a photo'],
    exit: 2,
    code: 'bad_input',
    says: [/--promptTemplate/, /\{concept\}/],
    project: same,
  },
  {
    cat: 'dissect',
    name: "the DnD chain of a run that is not DnD's",
    argv: (c) => ['dnd.chain', ...resultsBase(c), '--neuron', '0'],
    exit: 2,
    code: 'bad_input',
    says: [/not a Describe-and-Dissect run/],
    project: same,
  },
  {
    cat: 'dissect',
    name: 'crops of a neuron the layer does not have',
    argv: (c) => ['activations.crops', ...explainBase(c), '--neuron', '100000', '--imageIds', '1'],
    exit: 2,
    code: 'bad_input',
    says: [/Neuron 100000 is out of range/],
    project: same,
  },
  {
    cat: 'dissect',
    name: 'importing labels from a file that does not exist',
    argv: (c) => ['labels.import', ...explainBase(c), '--path', join(c.D, 'tally.csv')],
    exit: 2,
    code: 'not_found',
    says: [/tally\.csv/, /does not exist/],
    project: same,
  },
  {
    cat: 'dissect',
    name: 'a NetDissect tally with unit 0 (its units start at 1)',
    setup: (c) => writeFileSync(join(c.D, 'tally.csv'), 'unit,category,label,score\n0,object,shoe,0.2\n'),
    argv: (c) => ['labels.import', ...explainBase(c), '--path', join(c.D, 'tally.csv')],
    exit: 2,
    code: 'bad_input',
    says: [/tally\.csv/, /line 2/, /NetDissect counts units from 1/],
    project: same,
  },
];

const RATINGS: Case[] = [
  {
    cat: 'ratings',
    name: 'a rating study listing the same run and method twice',
    argv: (c) => [
      'ratings.create',
      ...explainBase(c),
      '--runs',
      `[{"runId":${id('run')(c)}},{"runId":${id('run')(c)},"method":"le_label"}]`,
    ],
    exit: 2,
    code: 'bad_input',
    says: [/listed twice/],
    project: same,
  },
  {
    cat: 'ratings',
    name: 'the sheet of a study that does not exist',
    argv: () => ['ratings.sheet', '--studyId', '99', '--rater', 'ana'],
    exit: 2,
    code: 'not_found',
    says: [/Rating study 99 does not exist/],
    project: same,
  },
  {
    cat: 'ratings',
    name: 'a rating outside 1-5 names the flag',
    argv: () => ['ratings.rate', '--studyId', '1', '--rater', 'ana', '--itemId', '1', '--score', '6'],
    exit: 2,
    code: 'bad_input',
    says: [/--score/],
    project: same,
  },
  {
    cat: 'ratings',
    name: 'a rating of a study that does not exist writes nothing (not even the rater)',
    argv: () => ['ratings.rate', '--studyId', '99', '--rater', 'ana', '--itemId', '1', '--score', '3'],
    exit: 2,
    code: 'not_found',
    says: [/Rating study 99 does not exist/],
    project: same,
  },
];

const LABEL_SIMILARITY: Case[] = [
  {
    cat: 'label similarity',
    name: 'label similarity with neither an encoder nor a text embedder',
    argv: (c) => ['compare.labelSimilarity', ...explainBase(c), '--runIds', id('run')(c)],
    exit: 2,
    code: 'bad_input',
    says: [/give encoderId, textEmbedderId or both/],
    project: same,
  },
  {
    cat: 'label similarity',
    name: 'class names fewer than the neurons',
    argv: (c) => [
      'compare.labelSimilarity',
      ...explainBase(c),
      '--runIds',
      id('run')(c),
      '--textEmbedderId',
      '1',
      '--classNames',
      'Bag,Coat',
    ],
    exit: 2,
    code: 'bad_input',
    says: [/classNames has 2 names but layer .* has \d+ neurons/, /one class name per neuron/],
    project: same,
  },
  {
    cat: 'label similarity',
    name: 'no class names for a layer that is not the classes (neurons != class folders)',
    argv: (c) => ['compare.labelSimilarity', ...explainBase(c), '--runIds', id('run')(c), '--textEmbedderId', '1'],
    exit: 2,
    code: 'bad_input',
    says: [/has \d+ neurons but probe set .* has \d+ class folder/, /Pass classNames/],
    project: same,
  },
];

const CASES: Case[] = [
  ...NUMBERS,
  ...numericSweep(),
  ...LISTS_AND_JSON,
  ...EXPORTS,
  ...PROJECTS,
  ...FILES,
  ...IDS,
  ...MODELS,
  ...PROBES,
  ...MAPPING,
  ...SPLITS,
  ...GENERATIVE,
  ...DISSECT,
  ...RATINGS,
  ...LABEL_SIMILARITY,
];

describe('bad-input campaign (CLI, real project copies)', () => {
  const cats = [...new Set(CASES.map((c) => c.cat))];
  for (const cat of cats) {
    it(`${cat}: ${CASES.filter((c) => c.cat === cat).length} cases`, async () => {
      const problems: string[] = [];
      for (const c of CASES.filter((x) => x.cat === cat)) problems.push(...(await runCase(f, c, tally)));
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
