import type { ClassifierFinding, ExplainMethod } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { classAuroc, meanStandardError, nearestByCosine } from '../../numeric/compare';
import type { Db } from '../../platform/store/open';
import { embedTextsCached, encoderSession, requireEncoder } from '../concepts';
import { loadLabelConcepts, readColumns, resolveSet } from '../explanations';
import { asText, readRunLabels } from './labels';

// "Find a classifier for an unseen concept" (DnD and MILAN papers; docs/compare.md): a second labelled probe set's
// classes play unseen concepts. For each class and each run, the neuron whose label is closest to the class name
// under an encoder's text tower is "the classifier the labels point to"; its activation's AUROC for the class on the
// second probe set says how good that pointer was. Labels are read from the store; activations of the second set
// are the same model and layer extracted there.

export interface ClassifierFindingInput {
  runIds: number[];
  activationSetId: number;
  encoderId: number;
  method?: Record<string, ExplainMethod>;
}

export async function classifierFinding(db: Db, input: ClassifierFindingInput): Promise<ClassifierFinding> {
  const ctx = resolveSet(db, input.activationSetId);
  const { set, probe } = ctx;
  const runs = readRunLabels(db, set, input.runIds, input.method);

  // The unseen concepts: the second probe set's classes, and who is in each.
  const lc = loadLabelConcepts(db, probe.id);
  const classCols = lc.labels.map((l, j) => ({ l, j })).filter((x) => x.l.kind === 'class');
  if (classCols.length < 2)
    throw new AppError(
      'bad_input',
      `Probe set "${probe.name}" has ${classCols.length} class(es); finding a classifier needs at least 2 (a class is a folder of images). Import a probe set with class folders.`,
    );
  const n = set.nImages;
  const member = classCols.map(() => new Uint8Array(n));
  const colIndex = new Map(classCols.map((c, k) => [c.j, k]));
  for (let i = 0; i < n; i++)
    for (let p = lc.rowPtr[i]; p < lc.rowPtr[i + 1]; p++) {
      const k = colIndex.get(lc.cols[p]);
      if (k !== undefined) member[k][i] = 1;
    }
  const classes = classCols.map((c, k) => {
    const positives = member[k].reduce((a, b) => a + b, 0);
    // The leaf folder name: a class shown as "footwear/Sandal" (two folders named alike) is still the concept "Sandal".
    const className = c.l.path.split('/').pop() ?? c.l.path;
    if (positives === 0 || positives === n)
      throw new AppError(
        'bad_input',
        `Class "${c.l.path}" of probe set "${probe.name}" has ${positives === 0 ? 'no image' : 'every image'}: its AUROC is undefined. Give every class images and leave images of other classes.`,
      );
    return { className, text: asText(className), positives, negatives: n - positives };
  });

  // Every text through the encoder's text tower once (the project's cache; a read-only project embeds without storing).
  const row = requireEncoder(db, input.encoderId);
  const enc = await encoderSession(row);
  const texts = [...new Set([...classes.map((c) => c.text), ...runs.flatMap((r) => r.labelled.map((e) => e.label))])];
  const vectors = db.readonly ? await enc.embedTexts(texts) : (await embedTextsCached(db, enc, texts)).vectors;
  const D = enc.dim;
  const at = new Map(texts.map((t, i) => [t, i]));
  const gather = (list: readonly string[]) => {
    const out = new Float32Array(list.length * D);
    list.forEach((t, i) => out.set(vectors.subarray(at.get(t)! * D, (at.get(t)! + 1) * D), i * D));
    return out;
  };
  const classVecs = gather(classes.map((c) => c.text));

  const picks = runs.map((r) => ({ r, nearest: nearestByCosine(classVecs, gather(r.labelled.map((e) => e.label)), D) }));
  const neurons = [...new Set(picks.flatMap((p) => p.nearest.map((x) => p.r.labelled[x.index].neuron)))].sort((a, b) => a - b);
  const bad = neurons.filter((k) => set.nonFiniteNeurons.includes(k));
  if (bad.length)
    throw new AppError(
      'bad_input',
      `Neuron(s) ${bad.join(', ')} of activation set ${set.id} have NaN or infinite activations: no AUROC. Extract the layer again with finite values.`,
    );
  const cols = readColumns(db, set, neurons);
  const colOf = new Map(neurons.map((k, j) => [k, j]));
  const column = (k: number) => {
    const j = colOf.get(k)!;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = cols.data[i * cols.cols + j];
    return out;
  };

  return {
    activationSetId: set.id,
    probeSetId: probe.id,
    encoderId: row.id,
    classes: classes.map(({ className, positives, negatives }) => ({ className, positives, negatives })),
    runs: picks.map(({ r, nearest }) => {
      const per = classes.map((c, k) => {
        const e = r.labelled[nearest[k].index];
        // Not null: every class has positives and negatives (checked above).
        const a = classAuroc(column(e.neuron), member[k])!;
        return { className: c.className, text: c.text, neuron: e.neuron, label: e.label, cosine: nearest[k].cosine, auroc: a };
      });
      return {
        runId: r.id,
        method: r.method,
        candidates: r.labelled.length,
        auroc: meanStandardError(per.map((x) => x.auroc)),
        classes: per,
      };
    }),
  };
}
