import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { pearson, splitIndices } from '../../numeric/le';
import { ensureConceptSet } from '../../platform/store/conceptRepo';
import { listExplainRuns } from '../../platform/store/explanationRepo';
import { getSplit } from '../../platform/store/splitRepo';
import { checkNeuron, ensureSplit, getStoredSplit, readColumns, resolveSet, splitInfo } from './context';
import { exportSplit, importSplit, listProbeSplits } from './splitFile';
import { runExplain } from './explainJob';
import { exportRun } from './exportRun';
import { importRun } from './importRun';
import { conceptMatrix, findLabel, loadLabelConcepts } from './labelConcepts';
import { neuronView } from './neuronView';
import { queryResults, resultRows, usesConcept } from './results';
import { requireRun, runInfo } from './runInfo';
import { at } from './scoring';
import { runAgreement } from './agreement';
import { scoreTextWithEncoder } from '../concepts';
import { searchUnits, similarUnits } from './unitSearch';

type ExplainMethods =
  | 'neuron.similar'
  | 'neuron.search'
  | 'split.get'
  | 'split.ensure'
  | 'split.list'
  | 'split.import'
  | 'split.export'
  | 'explain.concepts'
  | 'explain.run'
  | 'explain.runs'
  | 'explain.results'
  | 'explain.neuron'
  | 'explain.searchConcept'
  | 'explain.export'
  | 'explain.import'
  | 'explain.scoreText'
  | 'explain.agreement';

/** Handlers of the explanation capability (splits, label concepts, LE runs, results, interchange). */
export function createExplainHandlers(state: BackendState): Pick<Handlers<Contract>, ExplainMethods> {
  const db = () => state.requireProject().db;
  return {
    'split.get': ({ probeSetId, seed, fractions }) => {
      const s = getStoredSplit(db(), probeSetId, seed, fractions);
      return s ? splitInfo(s) : null;
    },
    'split.ensure': ({ probeSetId, seed, fractions }) => {
      const { split, created } = ensureSplit(db(), probeSetId, seed, fractions);
      return { ...splitInfo(split), created };
    },
    'split.list': ({ probeSetId }) => listProbeSplits(db(), probeSetId),
    'split.import': (input) => importSplit(db(), input),
    'split.export': ({ splitId, path, overwrite }) =>
      exportSplit(db(), splitId, { path, overwrite, protectedProjects: state.openProjectPaths() }),
    'explain.concepts': ({ probeSetId }) => {
      const lc = loadLabelConcepts(db(), probeSetId);
      if (!lc.imageIds.length) throw new AppError('bad_input', `Probe set ${probeSetId} has no images (or does not exist).`);
      const { names } = conceptMatrix(lc);
      const cs = ensureConceptSet(db(), { name: `labels of probe set ${probeSetId}`, source: 'labels', names });
      return { conceptSetId: cs.id, sha256: cs.sha256, names, dropped: lc.dropped };
    },
    'explain.run': (input, ctx) => runExplain(state, input, ctx),
    'explain.runs': ({ activationSetId }) => listExplainRuns(db(), activationSetId).map((r) => runInfo(db(), r)),
    'explain.results': ({ runId, ...q }) => queryResults(resultRows(db(), requireRun(db(), runId)), q),
    'explain.neuron': (input) => neuronView(db(), input),
    'neuron.similar': (input) => similarUnits(db(), input),
    'neuron.search': (input) => searchUnits(db(), input),
    'explain.agreement': ({ runA, runB }) => runAgreement(db(), runA, runB),
    'explain.searchConcept': ({ runId, text }) => {
      const t = text.trim().toLowerCase();
      return resultRows(db(), requireRun(db(), runId))
        .filter((r) => usesConcept(r, text))
        .flatMap((r) =>
          r.terms
            .filter((x) => x.concept.toLowerCase().includes(t))
            .map((x) => ({ neuron: r.neuron, concept: x.concept, weight: x.weight, text: r.text, testCorrelation: r.testCorrelation })),
        )
        .sort((a, b) => b.weight - a.weight || a.neuron - b.neuron);
    },
    'explain.export': ({ runId, format, path, overwrite }) =>
      exportRun(db(), runId, format, { path, overwrite, protectedProjects: state.openProjectPaths() }),
    'explain.import': (input) => importRun(db(), input),
    'explain.scoreText': ({ runId, neuron, text, simulator }) => {
      const run = requireRun(db(), runId);
      const src = resolveSet(db(), run.activationSetId);
      checkNeuron(src.set, neuron);
      if (simulator !== 'label') return scoreTextWithEncoder(db(), run, neuron, text, simulator);
      const lc = loadLabelConcepts(db(), src.probe.id);
      const j = findLabel(lc, text);
      if (j < 0) {
        const some = lc.labels
          .slice(0, 20)
          .map((l) => l.name)
          .join(', ');
        throw new AppError(
          'bad_input',
          `"${text}" is not a label of probe set "${src.probe.name}" (labels: ${some}${lc.labels.length > 20 ? ', ...' : ''}). To score free text, pick an image-text encoder as the simulator.`,
        );
      }
      const split = (run.splitId !== null ? getSplit(db(), run.splitId) : null) ?? ensureSplit(db(), src.probe.id, 0).split;
      const act = readColumns(db(), src.set, [neuron]).data;
      const { val, test } = splitIndices(split.assignment);
      // E = {(1, text)}: the simulation is the label's 0/1 column.
      const has = (i: number) => {
        for (let t = lc.rowPtr[i]; t < lc.rowPtr[i + 1]; t++) if (lc.cols[t] === j) return 1;
        return 0;
      };
      const score = (rows: Int32Array) => pearson(Float64Array.from(rows, has), at(act, rows));
      return {
        concept: lc.labels[j].name,
        simulator: 'label',
        valCorrelation: score(val),
        testCorrelation: score(test),
        unknownWords: [],
        warning: null,
      };
    },
  };
}
