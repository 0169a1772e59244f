import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { conceptMatrix, loadLabelConcepts } from '../explanations';
import { requireRun } from '../explanations';
import { conceptNames, ensureConceptSet, ensureNamedConceptSet, getConceptSet, listConceptSets } from '../../platform/store/conceptRepo';
import * as repo from '../../platform/store/encoderRepo';
import type { Db } from '../../platform/store/open';
import { getProbeSet } from '../../platform/store/probeRepo';
import { builtinConceptFile } from './builtinConcepts';
import { CalibrationLibrary } from './calibrationLibrary';
import { runCalibration } from './calibrationJob';
import { dedupe, readConceptFile } from './conceptFile';
import { runEmbed, runFilter } from './conceptJobs';
import { unknownConcepts, unknownConceptsWarning } from './unknownWords';
import { addEncoder, encoderInfo, encoderSession, requireEncoder } from './encoderService';
import { CALIBRATION_PRESETS } from './presets';
import { runSimulate, simulatorMeans } from './simulate';

type ConceptMethods = keyof typeof import('../../../../shared/contract/concepts').conceptMethods;

function setInfo(db: Db, id: number) {
  const s = getConceptSet(db, id);
  if (!s) throw new AppError('not_found', `Concept set ${id} does not exist.`);
  return s;
}

/** Handlers of the image-text concept scorer: encoders, calibrations, concept sets, simulation. */
export function createConceptHandlers(state: BackendState): Pick<Handlers<Contract>, ConceptMethods> {
  const db = () => state.requireProject().db;
  const library = () => new CalibrationLibrary(state.opts.userDataDir);
  return {
    'encoder.add': async ({ path, name }) => encoderInfo(db(), await addEncoder(db(), library(), path, name)),
    'encoder.list': () => repo.listEncoders(db()).map((e) => encoderInfo(db(), e)),
    'encoder.remove': ({ encoderId }) => ({ removed: repo.deleteEncoder(db(), encoderId) }),
    'encoder.tokenize': async ({ encoderId, texts }) => {
      const enc = await encoderSession(requireEncoder(db(), encoderId));
      return texts.map((text) => enc.describeTokens(text));
    },
    'encoder.embed': (input, ctx) => runEmbed(state, input, ctx),

    'calibration.presets': () => CALIBRATION_PRESETS.map((p) => ({ ...p })),
    'calibration.run': (input, ctx) => runCalibration(state, input, ctx),
    'calibration.set': async ({ encoderId, a, b, source, label }) => {
      const enc = requireEncoder(db(), encoderId);
      const c = repo.insertCalibration(db(), {
        encoderId,
        a,
        b,
        source,
        label: label || (source === 'manual' ? 'typed' : 'preset'),
        bceBefore: null,
        bceAfter: null,
      });
      await library().add(enc.sha256, { a, b, label: c.label, bceBefore: null, bceAfter: null, createdAt: c.createdAt });
      return c;
    },
    'calibration.list': ({ encoderId }) => {
      if (!repo.getEncoder(db(), encoderId)) throw new AppError('not_found', `Encoder ${encoderId} does not exist in this project.`);
      return repo.listCalibrations(db(), encoderId);
    },
    'calibration.report': ({ calibrationId }) => repo.calibrationReport(db(), calibrationId),

    'conceptSet.list': () => listConceptSets(db()),
    'conceptSet.get': ({ conceptSetId, search, offset, limit }) => {
      const set = setInfo(db(), conceptSetId);
      const t = search?.trim().toLowerCase();
      const all = conceptNames(db(), conceptSetId).filter((c) => !t || c.toLowerCase().includes(t));
      return { set, total: all.length, concepts: all.slice(offset, offset + limit) };
    },
    'conceptSet.fromLabels': ({ probeSetId }) => {
      const probe = getProbeSet(db(), probeSetId);
      if (!probe) throw new AppError('not_found', `Probe set ${probeSetId} does not exist.`);
      const { names } = conceptMatrix(loadLabelConcepts(db(), probeSetId));
      if (!names.length) throw new AppError('bad_input', `Probe set "${probe.name}" has no labels that vary between images.`);
      return setInfo(db(), ensureConceptSet(db(), { name: `labels of ${probe.name}`, source: 'labels', names }).id);
    },
    'conceptSet.builtin': async ({ name }) => {
      const list = await readConceptFile(builtinConceptFile(name));
      return setInfo(db(), ensureConceptSet(db(), { name, source: 'builtin', names: list.concepts }).id);
    },
    'conceptSet.import': async ({ path, name }) => {
      const list = await readConceptFile(path);
      const base =
        name ??
        path
          .split(/[\\/]/)
          .pop()!
          .replace(/\.(txt|csv)$/i, '');
      const made = ensureNamedConceptSet(db(), {
        name: base,
        source: 'file',
        names: list.concepts,
        explicit: name !== undefined,
        from: path,
      });
      return { set: setInfo(db(), made.id), created: made.created, blank: list.blank, duplicates: list.duplicates };
    },
    'conceptSet.combine': ({ conceptSetIds, name }) => {
      const sets = conceptSetIds.map((id) => setInfo(db(), id));
      const merged = dedupe(sets.flatMap((s) => conceptNames(db(), s.id)));
      const made = ensureNamedConceptSet(db(), {
        name: name ?? sets.map((s) => s.name).join(' + '),
        source: 'combined',
        names: merged.concepts,
        explicit: name !== undefined,
        from: `the combination of sets ${conceptSetIds.join(', ')}`,
      });
      return { set: setInfo(db(), made.id), duplicates: merged.duplicates };
    },
    'conceptSet.filter': (input, ctx) => runFilter(state, input, ctx),
    'conceptSet.unknownWords': async ({ conceptSetId, encoderId }) => {
      const set = getConceptSet(db(), conceptSetId);
      if (!set) throw new AppError('not_found', `Concept set ${conceptSetId} does not exist.`);
      const row = requireEncoder(db(), encoderId);
      const names = conceptNames(db(), set.id);
      const unknown = unknownConcepts(await encoderSession(row), names);
      return { total: names.length, unknown, warning: unknownConceptsWarning(unknown, names.length, row.name) };
    },

    'simulate.run': (input, ctx) => runSimulate(state, input, ctx),
    'simulate.means': ({ explainRunId }) => simulatorMeans(db(), requireRun(db(), explainRunId)),
  };
}
