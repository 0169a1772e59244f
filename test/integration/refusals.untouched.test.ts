import { createHash } from 'node:crypto';
import { cp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProjectHandle } from '../../src/main/core/platform/context';
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

type Refused = [what: string, run: () => Promise<unknown>, code: string, text: RegExp];

/** Each call is refused with its code and message, and the connection, the project file and its WAL are unchanged. */
async function expectUntouched(project: ProjectHandle, bad: Refused[]): Promise<void> {
  const { db, path: file } = project;
  const changes = () => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
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
}

describe('refused calls leave the project untouched', () => {
  it('ablation, Top Impact, calibration, LE(SigLIP), simulation and concept-set calls with bad input', async () => {
    const f = await probeProject(5);
    const setId = await extract(f, CNN, CNN_POOLED);
    const er = await call(f.backend, 'explain.run', { activationSetId: setId, neurons: [0, 1] });
    const enc = await call(f.backend, 'encoder.add', { path: ENC_A }); // not calibrated
    const labels = await call(f.backend, 'conceptSet.fromLabels', { probeSetId: f.probeSetId });
    const project = f.backend.state.requireProject();

    const bad: Refused[] = [
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
    await expectUntouched(project, bad);
  }, 60_000);

  it('generative models: bad models, images, crops and options', async () => {
    const f = await probeProject(2);
    const dir = join(f.dir, 'models');
    const captionerCopy = join(dir, 'captioner');
    const generatorCopy = join(dir, 'generator');
    await cp(join(FIX, 'describers/captioner'), captionerCopy, { recursive: true });
    await cp(join(FIX, 'describers/generator'), generatorCopy, { recursive: true });
    const cap = await call(f.backend, 'describer.add', { role: 'captioner', path: captionerCopy });
    const gen = await call(f.backend, 'describer.add', { role: 'image_generator', path: generatorCopy });
    const lm = await call(f.backend, 'describer.add', {
      role: 'language_model',
      path: join(FIX, 'describers/language_model/fmnist-concepts.gguf'),
    });
    const [image] = (await call(f.backend, 'probe.images', { probeSetId: f.probeSetId, offset: 0, limit: 1 })).rows;
    await rm(join(generatorCopy, 'unet'), { recursive: true });
    await utimes(join(captionerCopy, 'config.json'), new Date(), new Date(Date.now() + 10_000));
    const project = f.backend.state.requireProject();
    await expectUntouched(project, [
      ['caption.run, unknown model', () => call(f.backend, 'caption.run', { describerId: 99, imageIds: [image.id] }), 'not_found', /99/],
      [
        'caption.run, files changed',
        () => call(f.backend, 'caption.run', { describerId: cap.id, imageIds: [image.id] }),
        'describer_invalid',
        /changed since/,
      ],
      [
        'generate.images, files gone',
        () => call(f.backend, 'generate.images', { describerId: gen.id, prompt: 'a bag' }),
        'not_found',
        /are gone from/,
      ],
      [
        'lm.complete, a captioner',
        () => call(f.backend, 'lm.complete', { describerId: cap.id, prompt: 'x' }),
        'bad_input',
        /not a language model/,
      ],
      [
        'caption.run, unknown image',
        () => call(f.backend, 'caption.run', { describerId: lm.id, imageIds: [image.id] }),
        'bad_input',
        /is a language model, not a captioner/,
      ],
      [
        'generate.images, a language model',
        () => call(f.backend, 'generate.images', { describerId: lm.id, prompt: 'a bag' }),
        'bad_input',
        /not an image generator/,
      ],
      [
        'describer.add, a GGUF as a generator',
        () =>
          call(f.backend, 'describer.add', { role: 'image_generator', path: join(FIX, 'describers/language_model/fmnist-concepts.gguf') }),
        'describer_invalid',
        /fmnist-concepts\.gguf/,
      ],
      ['generated.image, unknown', () => call(f.backend, 'generated.image', { imageId: 5 }), 'not_found', /Generated image 5/],
    ]);
    // With usable files: unknown images, crops outside the image and impossible options are refused before any job row.
    await cp(join(FIX, 'describers/captioner'), join(dir, 'captioner2'), { recursive: true });
    const cap2 = await call(f.backend, 'describer.add', { role: 'captioner', path: join(dir, 'captioner2') });
    await expectUntouched(project, [
      [
        'caption.run, unknown image',
        () => call(f.backend, 'caption.run', { describerId: cap2.id, imageIds: [9999] }),
        'not_found',
        /Image 9999/,
      ],
      [
        'caption.run, crop outside the image',
        () => call(f.backend, 'caption.run', { describerId: cap2.id, images: [{ imageId: image.id, box: [0, 0, 29, 28] }] }),
        'bad_input',
        /reaches outside its 28x28 pixels/,
      ],
      [
        'caption.run, min > max tokens',
        () => call(f.backend, 'caption.run', { describerId: cap2.id, imageIds: [image.id], minNewTokens: 9, maxNewTokens: 4 }),
        'bad_input',
        /minNewTokens \(9\) is larger than maxNewTokens \(4\)/,
      ],
    ]);
  }, 60_000);
});
