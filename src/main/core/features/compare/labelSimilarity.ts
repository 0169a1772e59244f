import type { ExplainMethod, LabelSimilarity } from '../../../../shared/contract';
import type { CallContext } from '../../../../shared/define';
import { AppError } from '../../../../shared/errors';
import { meanStandardError } from '../../numeric/compare';
import { rowCosines } from '../../numeric/compare/labelSimilarity';
import type { Db } from '../../platform/store/open';
import type { BackendState } from '../../platform/context';
import { embedTextsCached, encoderSession, requireEncoder } from '../concepts';
import { libraryOf, requireUsable, runtimeFor } from '../describers';
import { loadLabelConcepts, resolveSet } from '../explanations';
import { asText, readRunLabels } from './labels';

// Final-layer label similarity (DnD paper, "Evaluations"; docs/compare.md): for a layer whose neurons are the model's
// classes (neuron k = class k), the cosine between each method's label of neuron k and class k's name, under an
// image-text encoder's text tower and under a sentence-embedding model. Labels are read as classifierFinding reads
// them (labels.ts); class names and labels are embedded as text with '_' read as a space.

export interface LabelSimilarityInput {
  activationSetId: number;
  runIds: number[];
  encoderId?: number;
  textEmbedderId?: number;
  classNames?: string[];
  method?: Record<string, ExplainMethod>;
}

/** The probe set's class folders (leaf names) sorted by name: the order torchvision's ImageFolder numbers classes in. */
function probeClassNames(db: Db, probeSetId: number): string[] {
  const names = loadLabelConcepts(db, probeSetId)
    .labels.filter((l) => l.kind === 'class')
    .map((l) => l.path.split('/').pop() ?? l.path);
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function labelSimilarity(state: BackendState, input: LabelSimilarityInput, ctx: CallContext): Promise<LabelSimilarity> {
  const db = state.requireProject().db;
  if (input.encoderId === undefined && input.textEmbedderId === undefined)
    throw new AppError(
      'bad_input',
      'Give an encoder (encoderId), a text embedder (textEmbedderId) or both: label similarity needs a text model.',
    );
  const { set, probe } = resolveSet(db, input.activationSetId);
  let classNames = input.classNames;
  const classNamesFrom = classNames ? 'input' : 'probe_set';
  if (classNames && classNames.length !== set.nNeurons)
    throw new AppError(
      'bad_input',
      `classNames has ${classNames.length} names but layer "${set.tensorName}" (activation set ${set.id}) has ${set.nNeurons} neurons: give one class name per neuron, in the model's class order.`,
    );
  if (!classNames) {
    const folders = probeClassNames(db, probe.id);
    if (folders.length !== set.nNeurons)
      throw new AppError(
        'bad_input',
        `Layer "${set.tensorName}" (activation set ${set.id}) has ${set.nNeurons} neurons but probe set "${probe.name}" has ${folders.length} class folder(s), so neuron k cannot be read as the k-th class. Pass classNames: one name per neuron, in the model's class order.`,
      );
    classNames = folders;
  }

  // Neuron order: per-neuron rows and cosines follow the layer.
  const runs = readRunLabels(db, set, input.runIds, input.method).map((r) => ({
    ...r,
    labelled: [...r.labelled].sort((a, b) => a.neuron - b.neuron),
  }));

  const names = classNames;
  const texts = [...new Set([...names.map(asText), ...runs.flatMap((r) => r.labelled.map((e) => e.label))])];
  const at = new Map(texts.map((t, i) => [t, i]));

  /** Per run, cosine of each labelled neuron's label with its class name under one text model. */
  const cosinesUnder = (vectors: Float32Array, dim: number) =>
    runs.map((r) => {
      const gather = (list: string[]) => {
        const out = new Float32Array(list.length * dim);
        list.forEach((t, i) => out.set(vectors.subarray(at.get(t)! * dim, (at.get(t)! + 1) * dim), i * dim));
        return out;
      };
      return rowCosines(gather(r.labelled.map((e) => e.label)), gather(r.labelled.map((e) => asText(names[e.neuron]))), dim);
    });

  let encoder: LabelSimilarity['encoder'] = null;
  let encoderCos: Float64Array[] | null = null;
  if (input.encoderId !== undefined) {
    const row = requireEncoder(db, input.encoderId);
    const enc = await encoderSession(row);
    // The project's text cache (a read-only project embeds without storing), as classifier finding does.
    const vectors = db.readonly ? await enc.embedTexts(texts) : (await embedTextsCached(db, enc, texts)).vectors;
    encoderCos = cosinesUnder(vectors, enc.dim);
    encoder = { id: row.id, name: row.name };
  }
  let textEmbedder: LabelSimilarity['textEmbedder'] = null;
  let sentenceCos: Float64Array[] | null = null;
  if (input.textEmbedderId !== undefined) {
    const entry = requireUsable(libraryOf(state), input.textEmbedderId, 'text_embedder');
    const model = await runtimeFor(entry, { signal: ctx.signal });
    sentenceCos = cosinesUnder(await model.embed(texts, ctx.signal), model.dim);
    textEmbedder = { id: entry.id, name: entry.name };
  }

  return {
    activationSetId: set.id,
    encoder,
    textEmbedder,
    classNames: names,
    classNamesFrom,
    runs: runs.map((r, j) => {
      const enc = encoderCos?.[j];
      const sen = sentenceCos?.[j];
      return {
        runId: r.id,
        method: r.method,
        n: r.labelled.length,
        encoder: enc ? meanStandardError([...enc]) : null,
        sentence: sen ? meanStandardError([...sen]) : null,
        neurons: r.labelled.map((e, i) => ({
          neuron: e.neuron,
          className: names[e.neuron],
          label: e.label,
          encoderCos: enc ? enc[i] : null,
          sentenceCos: sen ? sen[i] : null,
        })),
      };
    }),
  };
}
