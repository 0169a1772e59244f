import { join } from 'node:path';
import type { Backend } from '../../src/main/core/app/backend';
import { call } from '../helpers/backend';
import { CNN, CNN_POOLED, FIX, extract, probeProject } from './explain.helpers';

// A project with everything a report shows: a Fashion-MNIST probe set, the fixture CNN's pooled layer, an LE
// (labels) run scored by a calibrated CLIP-style encoder as a second simulator, an ablation run and a Top Impact
// run. About 10 s on 2 cores at 10 images per class.

export interface ReportFixture {
  backend: Backend;
  dir: string;
  projectPath: string;
  runId: number;
  setId: number;
  ablationRunId: number;
  topImpactRunId: number;
  encoderId: number;
}

export async function reportProject(perClass = 10): Promise<ReportFixture> {
  const f = await probeProject(perClass);
  const setId = await extract(f, CNN, CNN_POOLED);
  const { run } = await call(f.backend, 'explain.run', { activationSetId: setId });
  const enc = await call(f.backend, 'encoder.add', { path: join(FIX, 'encoders/fmnist_clip_b') });
  await call(f.backend, 'calibration.run', { encoderId: enc.id, probeSetId: f.probeSetId });
  await call(f.backend, 'simulate.run', { explainRunId: run.id, encoderId: enc.id });
  const ab = await call(f.backend, 'ablation.run', { explainRunId: run.id });
  const ti = await call(f.backend, 'topimpact.run', { activationSetId: setId });
  return {
    backend: f.backend,
    dir: f.dir,
    projectPath: f.backend.state.requireProject().path,
    runId: run.id,
    setId,
    ablationRunId: ab.run.id,
    topImpactRunId: ti.run.id,
    encoderId: enc.id,
  };
}
