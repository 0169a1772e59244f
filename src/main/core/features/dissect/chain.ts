import type { DndChain } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import { requireRun } from '../explanations';
import { writeFileSafely, type WriteTarget } from '../../platform/files/safeWrite';
import { csvLine } from '../../platform/files/csv';
import { getSetInfo } from '../../platform/store/activationRepo';
import * as repo from '../../platform/store/explanationRepo';
import type { Db } from '../../platform/store/open';
import type { NeuronChain } from './dnd';

// Reading DnD chains back (the neuron page) and writing DnD / CLIP-Dissect runs in the reference formats
// (methods.md "Interchange formats": DnD `Neuron ID, Label 1, Label 2, Label 3` and its candidates file,
// CLIP-Dissect `descriptions.csv`).

function requireMethod(db: Db, runId: number, method: 'dnd' | 'clip_dissect') {
  const run = requireRun(db, runId);
  if (run.method !== method)
    throw new AppError(
      'bad_input',
      `Run ${runId} is a ${run.method} run, not ${method === 'dnd' ? 'a Describe-and-Dissect' : 'a CLIP-Dissect'} run. explain.runs lists the runs with their method.`,
    );
  return run;
}

/** A neuron of a DnD run imported by labels.import: its file and labels, no chain. */
function importedLabels(details: Record<string, unknown>): { path: string; labels: string[] } | null {
  const from = details.imported as { path?: unknown } | undefined;
  return typeof from?.path === 'string' && Array.isArray(details.labels) ? { path: from.path, labels: details.labels as string[] } : null;
}

export function dndChain(db: Db, runId: number, neuron: number): DndChain {
  const run = requireMethod(db, runId, 'dnd');
  if (!run.neurons.includes(neuron))
    throw new AppError(
      'bad_input',
      `Neuron ${neuron} is not in Describe-and-Dissect run ${runId} (it covers ${run.neurons.length} neurons).`,
    );
  const state = repo.neuronStates(db, runId).get(neuron);
  const empty = {
    probe: [],
    captioned: [],
    answers: [],
    candidates: [],
    selection: [],
    labels: [],
    dropped: [],
    interpretability: null,
    seconds: {},
  };
  if (!state) return { runId, neuron, status: 'pending', note: 'not described yet: resume the run', ...empty };
  const chain = state.details.chain as NeuronChain | undefined;
  const imported = importedLabels(state.details);
  if (imported)
    return {
      ...empty,
      runId,
      neuron,
      status: 'done',
      note: `imported from ${imported.path}: no chain`,
      labels: imported.labels.map((concept) => ({ concept, score: null })),
    };
  if (!chain) {
    const reason = typeof state.details.reason === 'string' ? state.details.reason : null;
    return { runId, neuron, status: state.dead ? 'dead' : 'skipped', note: reason, ...empty };
  }
  return { ...chain, runId, status: 'done' };
}

export async function exportDissect(
  db: Db,
  runId: number,
  format: 'labels' | 'candidates' | 'descriptions',
  target: WriteTarget,
): Promise<{ path: string; rows: number; bytes: number }> {
  const lines: string[] = [];
  if (format === 'descriptions') {
    const run = requireMethod(db, runId, 'clip_dissect');
    const layer = getSetInfo(db, run.activationSetId)?.tensorName ?? '';
    const labels = new Map(
      repo
        .runExplanations(db, runId)
        .filter((e) => e.method === 'clip_dissect')
        .map((e) => [e.neuron, e.terms[0].concept]),
    );
    lines.push(csvLine(['layer', 'unit', 'description', 'similarity']));
    for (const [neuron, s] of [...repo.neuronStates(db, runId)].sort((a, b) => a[0] - b[0])) {
      const label = labels.get(neuron);
      if (label !== undefined) lines.push(csvLine([layer, neuron, label, Number(s.details.similarity)]));
    }
  } else {
    requireMethod(db, runId, 'dnd');
    const width = format === 'labels' ? 3 : 5;
    lines.push(
      csvLine(['Neuron ID', ...Array.from({ length: width }, (_, i) => (format === 'labels' ? `Label ${i + 1}` : `Concept ${i}`))]),
    );
    for (const [neuron, s] of [...repo.neuronStates(db, runId)].sort((a, b) => a[0] - b[0])) {
      const chain = s.details.chain as NeuronChain | undefined;
      const imported = importedLabels(s.details);
      const values = chain
        ? format === 'labels'
          ? chain.labels.map((l) => l.concept)
          : chain.candidates
        : format === 'labels'
          ? imported?.labels
          : undefined;
      if (!values) continue;
      lines.push(csvLine([neuron, ...Array.from({ length: width }, (_, i) => values[i] ?? '')]));
    }
  }
  const text = `${lines.join('\n')}\n`;
  const written = await writeFileSafely(target, (sink) => sink.write(text));
  return { path: written.path, rows: lines.length - 1, bytes: written.bytes };
}
