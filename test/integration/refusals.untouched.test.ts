import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// Bad input to the scorer and ablation entry points is refused with a clear error BEFORE anything is written:
// the connection makes no row change (SQLite's total_changes()) and the project file and its WAL are byte for
// byte what they were.

const ENC_A = join(FIX, 'encoders/fmnist_siglip_a');

async function digest(path: string): Promise<string> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  return exists
    ? createHash('sha256')
        .update(await readFile(path))
        .digest('hex')
    : 'absent';
}

describe('refused calls leave the project untouched', () => {
  it('ablation, Top Impact, calibration, LE(SigLIP), simulation and concept-set calls with bad input', async () => {
    const f = await probeProject(5);
    const setId = await extract(f, CNN, CNN_POOLED);
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1] });
    const enc = await call(f.backend, 'encoder.add', { path: ENC_A }); // not calibrated
    const labels = await call(f.backend, 'conceptSet.fromLabels', { probeSetId: f.probeSetId });
    const project = f.backend.state.requireProject();
    const { db } = project;
    const file = project.path;
    const changes = () => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

    const bad: [string, () => Promise<unknown>, string, RegExp][] = [
      [
        'ablation.run, unknown method',
        () => call(f.backend, 'ablation.run', { explainRunId: er.run.id, methods: ['no_such_method'] }),
        'bad_input',
        /no explanations of method no_such_method/,
      ],
      [
        'ablation.run, neuron out of range',
        () => call(f.backend, 'ablation.run', { explainRunId: er.run.id, neurons: [640] }),
        'bad_input',
        /Neuron 640 is out of range/,
      ],
      [
        'ablation.run, uncalibrated simulator',
        () => call(f.backend, 'ablation.run', { explainRunId: er.run.id, simulator: enc.id }),
        'bad_input',
        /not calibrated/,
      ],
      ['ablation.run, unknown explain run', () => call(f.backend, 'ablation.run', { explainRunId: 999 }), 'not_found', /999/],
      [
        'topimpact.run, neuron out of range',
        () => call(f.backend, 'topimpact.run', { activationSetId: setId, neurons: [640] }),
        'bad_input',
        /Neuron 640 is out of range/,
      ],
      ['topimpact.run, unknown activation set', () => call(f.backend, 'topimpact.run', { activationSetId: 999 }), 'not_found', /999/],
      [
        'calibration.run, unknown probe set',
        () => call(f.backend, 'calibration.run', { encoderId: enc.id, probeSetId: 999 }),
        'bad_input',
        /Probe set 999 does not exist/,
      ],
      [
        'explain.run, uncalibrated encoder',
        () =>
          call(f.backend, 'explain.run', {
            activationSetId: setId,
            conceptSource: { kind: 'encoder', encoderId: enc.id, conceptSetId: labels.id },
          }),
        'bad_input',
        /not calibrated/,
      ],
      [
        'simulate.run, uncalibrated encoder',
        () => call(f.backend, 'simulate.run', { explainRunId: er.run.id, encoderId: enc.id }),
        'bad_input',
        /not calibrated/,
      ],
      [
        'conceptSet.filter, uncalibrated encoder',
        () => call(f.backend, 'conceptSet.filter', { conceptSetId: labels.id, encoderId: enc.id, probeSetId: f.probeSetId }),
        'bad_input',
        /not calibrated/,
      ],
      [
        'explain.scoreText, uncalibrated simulator',
        () => call(f.backend, 'explain.scoreText', { runId: er.run.id, neuron: 0, text: 'sandal', simulator: enc.id }),
        'bad_input',
        /not calibrated/,
      ],
      [
        'conceptSet.import, missing file',
        () => call(f.backend, 'conceptSet.import', { path: join(f.dir, 'no-such-concepts.txt') }),
        'not_found',
        /no-such-concepts\.txt/,
      ],
      [
        'encoder.add, not an encoder folder',
        () => call(f.backend, 'encoder.add', { path: f.dir }),
        'model_invalid',
        /vision_model\.onnx|model\.onnx/,
      ],
    ];
    for (const [what, run, code, text] of bad) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const before = { changes: changes(), file: await digest(file), wal: await digest(`${file}-wal`) };
      const e = await run().then(
        () => null,
        (x: unknown) => x,
      );
      expect(e, what).toBeInstanceOf(AppError);
      expect((e as AppError).code, what).toBe(code);
      expect((e as AppError).message, what).toMatch(text);
      expect({ changes: changes(), file: await digest(file), wal: await digest(`${file}-wal`) }, what).toEqual(before);
    }
  }, 60_000);
});
