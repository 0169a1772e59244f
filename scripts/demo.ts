// `npm run demo`: build the bundled demo project (once) and open the workbench on it: the desktop app
// where Electron can start, else browser mode. Everything comes from resources/: 600 real Fashion-MNIST
// images in a class/superclass folder tree, a small CNN and two small image-text encoders trained on
// Fashion-MNIST (scripts/fixtures), and a short list of clothing words.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createBackend } from '../src/main/core/app/backend';
import { contract } from '../src/shared/contract';
import { createClient, createMemoryChannel, serve } from '../src/shared/protocol';
import { AppError } from '../src/shared/errors';
import { METHOD_LABEL } from '../src/shared/methodNames';

const repo = resolve(import.meta.dirname, '..');
const demoDir = join(repo, '.demo');
const projectPath = join(demoDir, 'demo.nwb');
const probeRoot = join(repo, 'resources', 'demo', 'probe');
const modelPath = join(repo, 'resources', 'fixtures', 'models', 'fmnist_cnn.onnx');
const POOLED_LAYER = '/Flatten_output_0';
// Two small image-text encoders trained on Fashion-MNIST (scripts/fixtures/train_dual_encoders.py): A explains,
// B simulates (LE(SigLIP) is scored by a different model than the one that produced it).
const explainerPath = join(repo, 'resources', 'fixtures', 'encoders', 'fmnist_siglip_a');
const simulatorPath = join(repo, 'resources', 'fixtures', 'encoders', 'fmnist_clip_b');
const conceptsPath = join(repo, 'resources', 'demo', 'clothing-concepts.txt');
const describersDir = join(repo, 'resources', 'fixtures', 'describers');
const textEmbedderPath = join(describersDir, 'text_embedder');
// A second labelled folder (Fashion-MNIST train images) and other tools' label files for the final layer.
const unseenRoot = join(repo, 'resources', 'demo', 'unseen');
const labelsDir = join(repo, 'resources', 'demo', 'labels');

function step(message: string): void {
  process.stdout.write(`demo: ${message}\n`);
}

/** Build the demo project through the same contract the app and CLI use. Idempotent: finished steps are kept. */
async function buildDemoProject(): Promise<void> {
  const backend = createBackend({ userDataDir: join(demoDir, 'user-data'), mode: 'cli' });
  const { server, client } = createMemoryChannel();
  serve(contract, backend.handlers, server);
  const api = createClient(contract, client);
  const progress = (what: string) => ({
    onProgress: (p: { done: number; total: number }) => p.total > 0 && p.done === p.total && step(`${what}: ${p.done} / ${p.total}`),
  });
  try {
    if (existsSync(projectPath)) {
      try {
        await api.call('project.open', { path: projectPath });
      } catch (e) {
        step(`rebuilding the demo project (${e instanceof AppError ? e.message : String(e)})`);
        await rm(demoDir, { recursive: true, force: true });
      }
    }
    if (!existsSync(projectPath)) {
      step(`creating ${projectPath}`);
      await api.call('project.create', { path: projectPath });
    }
    step('importing the demo probe set (600 Fashion-MNIST images)');
    const probe = await api.call('probe.import', { root: probeRoot, name: 'Fashion-MNIST demo' }, progress('import'));

    const models = await api.call('model.list', {});
    const model = models.find((m) => m.path === modelPath) ?? (await api.call('model.add', { path: modelPath, name: 'Fashion-MNIST CNN' }));
    await api.call('model.setPreprocessing', { modelId: model.id, preset: 'fashion-mnist' });

    step(`extracting ${POOLED_LAYER} (pooled features, 64 neurons)`);
    const set = await api.call(
      'activations.extract',
      { modelId: model.id, probeSetId: probe.probeSetId, layer: POOLED_LAYER, summary: 'auto' },
      progress('extract'),
    );
    const a = set.activationSet;
    step(`activation set ${a.id}: ${a.nImages} images x ${a.nNeurons} neurons (${set.provider.used})`);

    step('explaining every neuron from the class and superclass labels (LE(Label))');
    const { run } = await api.call('explain.run', { activationSetId: a.id }, progress('explain'));
    const m = run.means;
    const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    step(
      `mean test correlation: LE ${fmt(m.testCorrelation)}, single best concept ${fmt(m.bestConceptTest)}, mean length ${m.length.toFixed(2)}`,
    );
    const top = await api.call('explain.results', { runId: run.id, sort: { by: 'testCorrelation', dir: 'desc' }, limit: 3 });
    for (const r of top.rows) step(`  neuron ${r.neuron}: ${r.text}  (test r = ${fmt(r.testCorrelation)})`);

    step('image-text concepts: calibrating two small encoders on the probe labels');
    const encoders = await api.call('encoder.list', {});
    const addEncoder = async (path: string) => encoders.find((e) => e.path === path) ?? (await api.call('encoder.add', { path }));
    const explainer = await addEncoder(explainerPath);
    const simulator = await addEncoder(simulatorPath);
    for (const e of [explainer, simulator]) {
      const c =
        e.calibration ??
        (await api.call('calibration.run', { encoderId: e.id, probeSetId: probe.probeSetId }, progress(`calibrate ${e.name}`))).calibration;
      step(`  ${e.name}: a = ${c.a.toFixed(2)}, b = ${c.b.toFixed(3)}, BCE ${fmt(c.bceBefore)} -> ${fmt(c.bceAfter)}`);
    }
    const labels = await api.call('conceptSet.fromLabels', { probeSetId: probe.probeSetId });
    const words = await api.call('conceptSet.import', { path: conceptsPath, name: 'clothing words' });
    const concepts = await api.call('conceptSet.combine', { conceptSetIds: [labels.id, words.set.id], name: 'labels + clothing words' });
    step(`explaining every neuron with ${concepts.set.count} concepts scored by ${explainer.name} (LE(SigLIP))`);
    const sig = await api.call(
      'explain.run',
      { activationSetId: a.id, conceptSource: { kind: 'encoder', encoderId: explainer.id, conceptSetId: concepts.set.id } },
      progress('explain'),
    );
    const simSig = await api.call('simulate.run', { explainRunId: sig.run.id, encoderId: simulator.id }, progress('simulate'));
    const simLabel = await api.call('simulate.run', { explainRunId: run.id, encoderId: simulator.id }, progress('simulate'));
    step(
      `mean test correlation under simulator ${simulator.name}: LE(SigLIP) ${fmt(simSig.means.methods.le_siglip?.mean ?? null)}, LE(Label) ${fmt(simLabel.means.methods.le_label?.mean ?? null)}`,
    );
    const best = await api.call('explain.results', { runId: sig.run.id, sort: { by: 'testCorrelation', dir: 'desc' }, limit: 2 });
    for (const r of best.rows)
      step(`  neuron ${r.neuron}: ${r.text}  (${simulator.name}: r = ${fmt(r.simulated[0]?.testCorrelation ?? null)})`);

    step('ablation: replacing each neuron by its LE(Label) simulation (Optim + Norm) and Top Impact');
    const ab = await api.call('ablation.run', { explainRunId: run.id }, progress('ablation'));
    const abl = await api.call('ablation.results', { ablationRunId: ab.run.id, limit: 1 });
    const score = (m: string, k: 'optim' | 'norm') => fmt(abl.methods.find((x) => x.method === m)?.[k].mean ?? null);
    step(
      `  mean ablation score (Optim / Norm): LE ${score('le_label', 'optim')} / ${score('le_label', 'norm')}, single best concept ${score('best_concept', 'optim')} / ${score('best_concept', 'norm')}`,
    );
    const ti = await api.call('topimpact.run', { activationSetId: a.id }, progress('top impact'));
    const tir = await api.call('topimpact.results', { topImpactRunId: ti.run.id });
    const at = (beta: number) => `${((tir.meanAtBetas[tir.betas.indexOf(beta)] ?? NaN) * 100).toFixed(1)}%`;
    step(
      `  Top Impact: the top 2% / 10% / 50% of images by activation carry ${at(0.02)} / ${at(0.1)} / ${at(0.5)} of a neuron's effect (layer mean)`,
    );

    // Describe-and-Dissect on the three small generative fixtures (scripts/fixtures/train_*.py) for the four
    // best-explained neurons, CLIP-Dissect for the whole layer, both scored by simulator B like LE.
    step('generative models (small fixtures trained on Fashion-MNIST): a captioner, a language model, an image generator');
    const library = await api.call('describer.list', {});
    const addDescriber = async (role: 'captioner' | 'language_model' | 'image_generator', path: string) =>
      library.find((d) => d.role === role && d.path === path) ?? (await api.call('describer.add', { role, path }));
    const captioner = await addDescriber('captioner', join(describersDir, 'captioner'));
    const lm = await addDescriber('language_model', join(describersDir, 'language_model', 'fmnist-concepts.gguf'));
    const generator = await addDescriber('image_generator', join(describersDir, 'generator'));
    const dndNeurons = top.rows.map((r) => r.neuron).concat(best.rows.map((r) => r.neuron));
    step(`Describe-and-Dissect on neurons ${[...new Set(dndNeurons)].join(', ')} (captions, candidate concepts, 10 generated images each)`);
    const dndParams = {
      activationSetId: a.id,
      neurons: [...new Set(dndNeurons)],
      encoderId: explainer.id,
      captionerId: captioner.id,
      languageModelId: lm.id,
      generatorId: generator.id,
      // The fixture language model was trained on this prompt form; the fixture generator on 20 DDIM steps, guidance 1.5 (docs/image-generator.md).
      summarisePrompt: 'captions: {captions}\njson:',
      steps: 20,
      guidance: 1.5,
    };
    const dnd = await api.call('dnd.run', dndParams, progress('describe-and-dissect'));
    const unit = dndNeurons[0];
    const chain = await api.call('dnd.chain', { runId: dnd.run.id, neuron: unit });
    step(
      `  neuron ${unit}: captions of its top images: ${chain.captioned
        .slice(0, 4)
        .map((c) => `"${c.caption}"`)
        .join(', ')}, ...`,
    );
    step(`  candidate concepts from the language model: ${chain.candidates.map((c) => `"${c}"`).join(', ')}`);
    for (const s of chain.selection)
      step(
        `  "${s.prompt}": ${s.images.length} images, best ranks ${s.images
          .map((i) => i.rank)
          .sort((x, y) => x - y)
          .slice(0, 5)
          .join(', ')}, score ${s.score.toFixed(3)}`,
      );
    step(`  labels: ${chain.labels.map((l) => l.concept).join(', ')}  (interpretability ${chain.interpretability?.toFixed(3) ?? 'n/a'})`);
    const clip = await api.call(
      'clipDissect.run',
      { activationSetId: a.id, encoderId: explainer.id, conceptSetId: concepts.set.id },
      progress('clip-dissect'),
    );
    const clipRow = (await api.call('explain.results', { runId: clip.run.id, search: String(unit) })).rows[0];
    step(`  CLIP-Dissect over all ${a.nNeurons} neurons; neuron ${unit}: "${clipRow?.text ?? 'n/a'}"`);
    for (const r of [dnd.run, clip.run])
      await api.call('simulate.run', { explainRunId: r.id, encoderId: simulator.id }, progress('simulate'));
    const mean = async (id: number, m: string) =>
      fmt((await api.call('simulate.means', { explainRunId: id })).find((s) => s.simulator !== 'label')?.methods[m]?.mean ?? null);
    step(
      `  mean test correlation under ${simulator.name}: DnD ${await mean(dnd.run.id, 'dnd')} (${dnd.run.neuronsTotal} neurons), CLIP-Dissect ${await mean(clip.run.id, 'clip_dissect')}`,
    );

    // Blind rating studies for the Rate labels screen (kept on a re-run: found by name).
    const studyNamed = async (input: {
      activationSetId: number;
      runs: { runId: number; method?: 'dnd' }[];
      name: string;
      neurons?: number[];
    }) =>
      (await api.call('ratings.studies', { activationSetId: input.activationSetId })).find((s) => s.name === input.name) ??
      (await api.call('ratings.create', input));
    const study = await studyNamed({
      activationSetId: a.id,
      runs: [{ runId: run.id }, { runId: dnd.run.id }, { runId: clip.run.id }],
      neurons: [...new Set(dndNeurons)],
      name: 'demo: LE, DnD and CLIP-Dissect labels',
    });
    step(
      `rating study #${study.id}: ${study.neurons} neurons, ${study.items} labels to rate blind on the Rate labels screen (docs/compare.md)`,
    );

    // The papers' comparisons on the final layer (neuron k = the logit of class k): LE, DnD and CLIP-Dissect labels
    // next to NetDissect and MILAN files (hand-written in those tools' formats: neither tool runs offline here),
    // scored by simulation, compared with the class names, and asked to find classifiers for the classes of a second
    // folder of images no run has seen.
    step('final layer (logits, neuron k = class k): LE, DnD, CLIP-Dissect and imported NetDissect / MILAN labels compared');
    const extractOn = async (probeSetId: number) =>
      (
        await api.call(
          'activations.extract',
          { modelId: model.id, probeSetId, layer: 'logits', summary: 'auto' },
          progress('extract logits'),
        )
      ).activationSet;
    const logits = await extractOn(probe.probeSetId);
    const unseenProbe = await api.call('probe.import', { root: unseenRoot, name: 'Fashion-MNIST unseen (train images)' });
    const unseen = await extractOn(unseenProbe.probeSetId);
    const finalRuns = [
      (await api.call('explain.run', { activationSetId: logits.id }, progress('explain logits'))).run,
      (await api.call('dnd.run', { ...dndParams, activationSetId: logits.id, neurons: undefined }, progress('describe-and-dissect logits')))
        .run,
      (await api.call('clipDissect.run', { activationSetId: logits.id, encoderId: explainer.id, conceptSetId: labels.id })).run,
    ];
    // One after the other: the run ids, and so the order of the printed rows, are the same on every fresh demo.
    for (const f of ['netdissect_tally.csv', 'milan_descriptions.csv'])
      finalRuns.push((await api.call('labels.import', { activationSetId: logits.id, path: join(labelsDir, f) })).run);
    for (const r of finalRuns) await api.call('simulate.run', { explainRunId: r.id, encoderId: simulator.id }, progress('simulate'));
    const table = await api.call('compare.layer', { activationSetId: logits.id });
    const name = (runId: number, method?: string) => {
      const r = finalRuns.find((x) => x.id === runId)!;
      return METHOD_LABEL[method ?? r.method] ?? r.method;
    };
    const own = table.rows.filter((r) =>
      finalRuns.some((x) => x.id === r.explainRunId && (x.method === r.method || r.runMethod === 'imported')),
    );
    step(
      `  mean test correlation under ${simulator.name}: ${own
        .map((r) => `${name(r.explainRunId, r.method)} ${fmt(r.correlation[simulator.sha256]?.mean ?? null)}`)
        .join(', ')}`,
    );
    const embedder =
      library.find((d) => d.role === 'text_embedder' && d.path === textEmbedderPath) ??
      (await api.call('describer.add', { role: 'text_embedder', path: textEmbedderPath }));
    const mapping = await api.call('ablation.mapping', { activationSetId: logits.id });
    const runIds = finalRuns.map((r) => r.id);
    const sim = await api.call('compare.labelSimilarity', {
      activationSetId: logits.id,
      runIds,
      encoderId: explainer.id,
      textEmbedderId: embedder.id,
      classNames: mapping.modelClasses ?? undefined,
    });
    step(
      `  label vs class name, cosine (${explainer.name} / sentence model): ${sim.runs
        .map((r) => `${name(r.runId)} ${fmt(r.encoder?.mean ?? null)} / ${fmt(r.sentence?.mean ?? null)}`)
        .join(', ')}`,
    );
    const cf = await api.call('compare.classifierFinding', { runIds, activationSetId: unseen.id, encoderId: explainer.id });
    step(
      `  classifier for each of ${cf.classes.length} unseen classes (${unseen.nImages} images), mean AUROC: ${cf.runs
        .map((r) => `${name(r.runId)} ${fmt(r.auroc.mean)}`)
        .join(', ')}`,
    );
    const finalStudy = await studyNamed({
      activationSetId: logits.id,
      runs: finalRuns.map((r) => ({ runId: r.id })),
      name: 'demo: final layer, five methods',
    });
    step(`  rating study #${finalStudy.id}: ${finalStudy.neurons} neurons, ${finalStudy.items} labels from five methods`);
    const finalReport = {
      run: finalRuns[0].id,
      neurons: 'none' as const,
      sections: ['summary' as const, 'compare' as const],
      overwrite: true,
    };
    try {
      const pdf = await api.call('report.export', { ...finalReport, format: 'pdf', path: join(demoDir, 'report-final-layer.pdf') });
      step(
        `report: ${relative(repo, pdf.path)} (${pdf.pages} pages: every method of the final layer, label similarity, classifier finding)`,
      );
    } catch (e) {
      const html = await api.call('report.export', { ...finalReport, format: 'html', path: join(demoDir, 'report-final-layer.html') });
      step(`report: ${relative(repo, html.path)} (${html.pages} pages; no PDF: ${e instanceof Error ? e.message : String(e)})`);
    }

    // A report a colleague can read without the workbench: self-contained HTML always, PDF where a Chromium is found.
    const report = { run: run.id, neurons: 'top:8', overwrite: true } as const;
    const html = await api.call('report.export', { ...report, format: 'html', path: join(demoDir, 'report.html') });
    step(`report: ${relative(repo, html.path)} (${html.pages} pages, opens offline in any browser)`);
    try {
      const pdf = await api.call('report.export', { ...report, format: 'pdf', path: join(demoDir, 'report.pdf') }, progress('report'));
      step(`report: ${relative(repo, pdf.path)} (${pdf.pages} pages, printed by ${pdf.printer})`);
    } catch (e) {
      step(`report: no PDF (${e instanceof Error ? e.message : String(e)})`);
    }
  } finally {
    backend.dispose();
  }
}

function launch(): number {
  const extra = ['--project', projectPath];
  step('starting the desktop app (Electron)');
  const electron = spawnSync(process.execPath, [join(repo, 'scripts', 'start-electron.mjs'), ...extra], { cwd: repo, stdio: 'inherit' });
  if (electron.status !== 3) return electron.status ?? 1;
  step('Electron cannot start here: opening browser mode instead');
  const build = spawnSync(
    process.execPath,
    [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'],
    {
      cwd: repo,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) return build.status ?? 1;
  const web = spawnSync(
    join(repo, 'node_modules', '.bin', 'tsx'),
    [join(repo, 'src', 'main', 'web.ts'), ...extra, '--data-dir', join(demoDir, 'user-data')],
    {
      cwd: repo,
      stdio: 'inherit',
    },
  );
  return web.status ?? 0;
}

try {
  await buildDemoProject();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`demo: could not build the demo project: ${message}\n`);
  process.exit(1);
}
if (process.argv.includes('--build-only')) process.exit(0);
process.exit(launch());
