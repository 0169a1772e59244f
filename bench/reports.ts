/**
 * Reports benchmark (#16), through the real path (backend contract -> pages -> HTML -> headless Chromium -> PDF):
 *   1. a 64-neuron report with example images (every section): seconds and MB for PDF and HTML
 *      (goals <= 20 s, <= 15 MB); reference in the same run: the contract reads the report makes (64 neuron pages,
 *      their thumbnails and the section reads) without laying anything out or printing;
 *   2. a summary report of a 2,048-neuron layer (tables and charts, no neuron pages): seconds for HTML and PDF
 *      (goal <= 30 s), pages.
 * The project: 300 Fashion-MNIST test images (30 per class); the fixture CNN's pooled layer (64 neurons) with an LE
 * run, a calibrated encoder as second simulator, ablation and Top Impact; and a 2,048-unit layer of a seeded random
 * ReLU network over the pixels (built here with onnx-proto) with its LE run.
 *   npx tsx bench/reports.ts [--quick]   (--quick: 512 units instead of 2,048)
 * Prints ONE JSON object on stdout (progress on stderr).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contract, type Contract, type MethodName } from '../src/shared/contract';
import type { CallContext, InputOf, OutputOf } from '../src/shared/define';
import { createBackend, type Backend } from '../src/main/core/app/backend';
import { encodeModel, onnx } from '../src/main/core/onnx/onnxProto';
import { mulberry32 } from '../src/main/core/numeric/le/splits';
import { writeFashionMnistTree } from '../test/helpers/fashionMnist';

const ROOT = resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const UNITS = quick ? 512 : 2048;
const CHROMIUM = process.env.NWB_CHROMIUM ?? '/usr/bin/chromium';
const log = (s: string): void => void process.stderr.write(`[bench/reports] ${s}\n`);
const secs = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(2);
const mb = (path: string): number => +(statSync(path).size / 1e6).toFixed(2);

function ctx(): CallContext {
  return { signal: new AbortController().signal, progress: () => undefined };
}

async function call<K extends MethodName>(b: Backend, method: K, input: InputOf<Contract, K>): Promise<OutputOf<Contract, K>> {
  const handler = b.handlers[method] as (input: unknown, c: CallContext) => unknown;
  return (await handler(contract[method].input.parse(input), ctx())) as OutputOf<Contract, K>;
}

/** x [N,1,28,28] -> Flatten -> x W1 [784, U] -> Relu ('units') -> x W2 [U, 10] -> logits; seeded N(0, 1/784) weights. */
function wideModel(units: number): Uint8Array {
  const u = mulberry32(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const w1 = Float32Array.from({ length: 784 * units }, () => normal() / 28);
  const w2 = Float32Array.from({ length: units * 10 }, () => normal() / Math.sqrt(units));
  const v = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  return encodeModel(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'nwb-bench',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'wide',
        node: [
          { name: 'flat', opType: 'Flatten', input: ['x'], output: ['flat'] },
          { name: 'fc1', opType: 'MatMul', input: ['flat', 'W1'], output: ['pre'] },
          { name: 'relu', opType: 'Relu', input: ['pre'], output: ['units'] },
          { name: 'fc2', opType: 'MatMul', input: ['units', 'W2'], output: ['logits'] },
        ],
        input: [v('x', ['N', 1, 28, 28])],
        output: [v('logits', ['N', 10])],
        initializer: [
          { name: 'W1', dims: [784, units], dataType: 1, rawData: new Uint8Array(w1.buffer) },
          { name: 'W2', dims: [units, 10], dataType: 1, rawData: new Uint8Array(w2.buffer) },
        ],
      },
    }),
  );
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: set NWB_CHROMIUM`);
  const dir = await mkdtemp(join(tmpdir(), 'nwb-bench-reports-'));
  try {
    const b = createBackend({ userDataDir: join(dir, 'user'), mode: 'cli' });
    await call(b, 'project.create', { path: join(dir, 'bench.nwb') });
    await writeFashionMnistTree(join(dir, 'probe'), { perClass: 30, split: 'test' });
    const probe = await call(b, 'probe.import', { root: join(dir, 'probe') });
    let t0 = performance.now();
    const cnn = await call(b, 'model.add', { path: join(ROOT, 'resources/fixtures/models/fmnist_cnn.onnx') });
    await call(b, 'model.setPreprocessing', { modelId: cnn.id, preset: 'fashion-mnist' });
    const set = (
      await call(b, 'activations.extract', {
        modelId: cnn.id,
        layer: '/Flatten_output_0',
        probeSetId: probe.probeSetId,
        summary: 'identity',
      })
    ).activationSet;
    const { run } = await call(b, 'explain.run', { activationSetId: set.id });
    const enc = await call(b, 'encoder.add', { path: join(ROOT, 'resources/fixtures/encoders/fmnist_clip_b') });
    await call(b, 'calibration.run', { encoderId: enc.id, probeSetId: probe.probeSetId });
    await call(b, 'simulate.run', { explainRunId: run.id, encoderId: enc.id });
    await call(b, 'ablation.run', { explainRunId: run.id });
    await call(b, 'topimpact.run', { activationSetId: set.id });
    log(`64-neuron project ready in ${secs(t0)} s`);

    // 1. 64 neurons with images.
    const spec = { run: run.id, neurons: 'all' };
    t0 = performance.now();
    const html = await call(b, 'report.export', { ...spec, format: 'html', path: join(dir, 'r64.html') });
    const htmlS = secs(t0);
    // Reference: the reads alone (after the HTML export, so the thumbnail cache is warm for both).
    t0 = performance.now();
    for (let k = 0; k < 64; k++) {
      const v = await call(b, 'explain.neuron', { runId: run.id, neuron: k, topK: 8, perBand: 1, randomK: 8, scatterMax: 1500 });
      const ids = [...v.examples.top, ...v.examples.bands.flatMap((x) => x.examples), ...v.examples.random].map((e) => e.imageId);
      await call(b, 'probe.thumbnails', { imageIds: ids, size: 96 });
    }
    await call(b, 'simulate.means', { explainRunId: run.id });
    await call(b, 'ablation.results', { ablationRunId: 1, limit: 5000 });
    const readsOnly = secs(t0);
    t0 = performance.now();
    const pdf = await call(b, 'report.export', { ...spec, format: 'pdf', path: join(dir, 'r64.pdf'), chromium: CHROMIUM });
    const pdfS = secs(t0);
    log(`64 neurons: html ${htmlS} s, pdf ${pdfS} s`);

    // 2. A wide layer: summary only.
    t0 = performance.now();
    const modelPath = join(dir, 'wide.onnx');
    await writeFile(modelPath, wideModel(UNITS));
    const wide = await call(b, 'model.add', { path: modelPath, name: `random ReLU ${UNITS}` });
    await call(b, 'model.setPreprocessing', { modelId: wide.id, preset: 'fashion-mnist' });
    const wideSet = (
      await call(b, 'activations.extract', { modelId: wide.id, layer: 'units', probeSetId: probe.probeSetId, summary: 'identity' })
    ).activationSet;
    const wideRun = (await call(b, 'explain.run', { activationSetId: wideSet.id })).run;
    log(`${UNITS}-unit layer explained in ${secs(t0)} s`);
    const summary = { run: wideRun.id, neurons: 'none', sections: ['summary' as const] };
    t0 = performance.now();
    const wideHtml = await call(b, 'report.export', { ...summary, format: 'html', path: join(dir, 'wide.html') });
    const wideHtmlS = secs(t0);
    t0 = performance.now();
    const widePdf = await call(b, 'report.export', { ...summary, format: 'pdf', path: join(dir, 'wide.pdf'), chromium: CHROMIUM });
    const widePdfS = secs(t0);
    b.dispose();

    console.log(
      JSON.stringify({
        benchmark: 'reports',
        quick,
        load: loadavg()[0],
        neurons64: {
          pages: pdf.pages,
          html: { seconds: htmlS, mb: mb(html.path) },
          pdf: { seconds: pdfS, mb: mb(pdf.path), printer: pdf.printer },
          reference: { what: 'the same contract reads without layout or printing', seconds: readsOnly },
          goal: { seconds: 20, mb: 15 },
        },
        summaryWideLayer: {
          units: UNITS,
          pages: widePdf.pages,
          html: { seconds: wideHtmlS, mb: mb(wideHtml.path) },
          pdf: { seconds: widePdfS, mb: mb(widePdf.path) },
          goal: { seconds: 30 },
        },
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
