import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_ELEMENTS, MAX_INPUT_SIDE } from '../../src/main/core/onnx/modelFile';
import { insertModel } from '../../src/main/core/platform/store/modelRepo';
import type { Progress } from '../../src/shared/define';
import { call, ctx, withProject } from '../helpers/backend';
import { tempDir } from '../helpers/tempDir';
import { fixedInputModel, logModel, solidPng, writeModel } from '../helpers/tinyVision';
import { refusal } from '../helpers/refusal';

// Issue #11, items 4 and 5: model.add validates everything before writing a row (huge fixed inputs refused with
// the limit), a stored row that cannot be described does not break model.list / model.info, and model.remove
// is refused while a running job (this process or another live one) uses the model.

const count = (db: { prepare(s: string): { get(): unknown } }, table: string) =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('model.add validates before writing', () => {
  it('refuses huge fixed inputs with the limit, writes nothing, and still accepts a normal model', { timeout: 60_000 }, async () => {
    const dir = await tempDir('nwb-model-guard');
    const { backend } = await withProject(dir);
    const db = backend.state.requireProject().db;
    expect(MAX_INPUT_SIDE).toBe(4096);
    expect(MAX_INPUT_ELEMENTS).toBe(64 * 2 ** 20);

    const cases: [string, (number | string)[], RegExp][] = [
      [
        'big6000.onnx',
        [1, 3, 6000, 6000],
        /^big6000\.onnx: input 'x' \[1,3,6000,6000\] fixes an image height of 6000 px; the most supported is 4096 px per side\./,
      ],
      [
        'big50000.onnx',
        [1, 3, 50000, 50000],
        /^big50000\.onnx: input 'x' \[1,3,50000,50000\] fixes an image height of 50000 px; the most supported is 4096 px per side\./,
      ],
      [
        'wide.onnx',
        ['N', 3, 224, 8192],
        /^wide\.onnx: input 'x' \[N,3,224,8192\] fixes an image width of 8192 px; the most supported is 4096 px/,
      ],
      [
        'batch.onnx',
        [64, 3, 1024, 1024],
        /^batch\.onnx: input 'x' \[64,3,1024,1024\] needs 192\.0 Mi values per run \(batch 64 x 3 x 1024 x 1024\); the most supported is 64\.0 Mi \(256 MB of float32\)\. Export the model with a smaller or a dynamic batch\./,
      ],
    ];
    for (const [name, dims, message] of cases) {
      const e = await refusal(call(backend, 'model.add', { path: writeModel(dir, name, fixedInputModel(dims)) }));
      expect(e.code, name).toBe('model_invalid');
      expect(e.message, name).toMatch(message);
      expect(count(db, 'models'), name).toBe(0);
      expect(count(db, 'layers'), name).toBe(0);
    }
    expect(await call(backend, 'model.list', {})).toEqual([]);

    const ok = await call(backend, 'model.add', { path: writeModel(dir, 'small.onnx', fixedInputModel([1, 3, 64, 64])) });
    expect(ok.info).toMatchObject({ height: 64, width: 64, fixedBatch: 1 });
    expect((await call(backend, 'model.list', {})).map((m) => m.status)).toEqual(['ok']);
  });

  it(
    'a stored row that cannot be described (an older version saved it) is listed as invalid, not breaking the others',
    { timeout: 60_000 },
    async () => {
      const dir = await tempDir('nwb-model-guard');
      const { backend } = await withProject(dir);
      const db = backend.state.requireProject().db;
      const good = await call(backend, 'model.add', { path: writeModel(dir, 'small.onnx', fixedInputModel([1, 3, 64, 64])) });
      // What the old model.add wrote for a 3x6000x6000 input before failing its output contract.
      const legacyId = insertModel(
        db,
        {
          name: 'big6000',
          path: join(dir, 'big6000.onnx'),
          sha256: 'x'.repeat(64),
          bytes: 1,
          mtimeMs: 0,
          info: { ...good.info, height: 6000, width: 6000, inputs: [{ name: 'x', elemType: 'float32', dims: [1, 3, 6000, 6000] }] },
          preprocessing: { ...good.preprocessing, size: [6000, 6000] },
        },
        [],
      );
      const list = await call(backend, 'model.list', {});
      expect(list.map((m) => [m.id, m.status])).toEqual([
        [good.id, 'ok'],
        [legacyId, 'invalid'],
      ]);
      expect(list[1].problem).toMatch(/stored preprocessing is invalid \(size\.0: .*4096.*\)\. Remove it and add the file again\./);
      const info = await call(backend, 'model.info', { modelId: legacyId });
      expect(info.model.status).toBe('invalid');
      const probe = join(dir, 'probe');
      mkdirSync(probe);
      await solidPng(join(probe, 'one.png'), [200, 100, 50]);
      const probeSetId = (await call(backend, 'probe.import', { root: probe })).probeSetId;
      const e = await refusal(call(backend, 'activations.extract', { modelId: legacyId, layer: 'pooled', probeSetId }));
      expect(e.code).toBe('model_invalid');
      expect(e.message).toMatch(new RegExp(`^Model ${legacyId} \\('big6000'\\) cannot be used: its stored preprocessing is invalid`));
      expect(await call(backend, 'model.remove', { modelId: legacyId })).toEqual({ removed: true });
      expect((await call(backend, 'model.list', {})).map((m) => m.id)).toEqual([good.id]);
    },
  );
});

describe('model.remove while a running job uses the model', () => {
  it(
    'is refused (busy, naming the job) for a job of this process and of another live process, and allowed once none runs',
    { timeout: 120_000 },
    async () => {
      const dir = await tempDir('nwb-model-busy');
      const { backend } = await withProject(dir);
      const db = backend.state.requireProject().db;
      const root = join(dir, 'probe');
      mkdirSync(root);
      for (let i = 0; i < 48; i++) await solidPng(join(root, `img${String(i).padStart(2, '0')}.png`), [150 + i, 40 + i, 30 + i]);
      const probeSetId = (await call(backend, 'probe.import', { root })).probeSetId;
      const m = await call(backend, 'model.add', { path: writeModel(dir, 'logmodel.onnx', logModel()) });
      await call(backend, 'model.setPreprocessing', { modelId: m.id, preset: 'unit' }); // x = pixel / 255: every value finite
      const other = await call(backend, 'model.add', { path: writeModel(dir, 'small.onnx', fixedInputModel([1, 3, 64, 64])) });

      // A job of this backend: refused while it runs (a chunk of 2 images is committed before we ask).
      let started!: () => void;
      const committed = new Promise<void>((r) => (started = r));
      const extraction = call(
        backend,
        'activations.extract',
        { modelId: m.id, layer: 'feat', probeSetId, batchSize: 2 },
        ctx({ onProgress: (p: Progress) => p.done > 0 && started() }),
      );
      await Promise.race([committed, extraction]);
      const e = await refusal(call(backend, 'model.remove', { modelId: m.id }));
      const [job] = await call(backend, 'jobs.list', {});
      expect(e.code).toBe('busy');
      expect(e.message).toMatch(
        new RegExp(
          `^Model ${m.id} is used by running job ${job.id} \\(activations\\.extract, \\d+% done\\)\\. Cancel it or wait, then remove the model\\.$`,
        ),
      );
      expect(e.data).toMatchObject({ jobId: job.id, kind: 'activations.extract', modelId: m.id });
      // Another model is not blocked by it.
      expect(await call(backend, 'model.remove', { modelId: other.id })).toEqual({ removed: true });
      const set = (await extraction).activationSet;
      expect(set.complete).toBe(true);

      // A job row of another live process on this machine (here: our parent process's pid) that reads a set of the model.
      const now = new Date().toISOString();
      const jobId = Number(
        db
          .prepare(
            `INSERT INTO jobs(kind, title, params_json, status, done, total, owner, created_at, updated_at) VALUES ('explain.run', 'Explain feat', ?, 'running', 2, 5, ?, ?, ?)`,
          )
          .run(JSON.stringify({ activationSetId: set.id }), `other@${hostname()}#${process.ppid}`, now, now).lastInsertRowid,
      );
      const o = await refusal(call(backend, 'model.remove', { modelId: m.id }));
      expect(o.code).toBe('busy');
      expect(o.message).toBe(
        `Model ${m.id} is used by running job ${jobId} (explain.run, 40% done, in another process: pid ${process.ppid}). Cancel it or wait, then remove the model.`,
      );

      // Its owner is gone (a pid that has exited): the row no longer blocks.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      db.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`other@${hostname()}#${dead}`, jobId);
      expect(await call(backend, 'model.remove', { modelId: m.id })).toEqual({ removed: true });
      expect(await call(backend, 'activations.list', {})).toEqual([]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    },
  );
});
