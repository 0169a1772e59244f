import type { Handlers } from '../../../../shared/define';
import type { Contract } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { getProbeSet, imagePage, labelCounts, listProbeSets, skippedFiles } from '../../platform/store/probeRepo';
import type { Db } from '../../platform/store/open';
import { importProbe } from './importProbe';
import { thumbnails } from './thumbnails';
import { createUploads } from './upload';

type ProbeMethods =
  | 'probe.import'
  | 'probe.list'
  | 'probe.summary'
  | 'probe.images'
  | 'probe.skipped'
  | 'probe.thumbnails'
  | 'probe.upload.begin'
  | 'probe.upload.chunk'
  | 'probe.upload.finish';

export function createProbeHandlers(state: BackendState): Pick<Handlers<Contract>, ProbeMethods> {
  const probeSet = (db: Db, id: number) => {
    const set = getProbeSet(db, id);
    if (!set) throw new AppError('not_found', `Probe set ${id} does not exist in this project.`);
    return set;
  };
  const uploads = createUploads(state);
  return {
    'probe.import': (input, ctx) => importProbe(state, input, ctx),
    'probe.list': () => listProbeSets(state.requireProject().db),
    'probe.summary': ({ probeSetId }) => {
      const { db } = state.requireProject();
      return { probeSet: probeSet(db, probeSetId), labels: labelCounts(db, probeSetId) };
    },
    'probe.images': ({ probeSetId, offset, limit, labelId }) => {
      const { db } = state.requireProject();
      probeSet(db, probeSetId);
      return imagePage(db, { probeSetId, offset, limit, labelId });
    },
    'probe.skipped': ({ probeSetId }) => {
      const { db } = state.requireProject();
      probeSet(db, probeSetId);
      return skippedFiles(db, probeSetId);
    },
    'probe.thumbnails': ({ imageIds, size }, ctx) => {
      const { db, path } = state.requireProject();
      return thumbnails(db, path, imageIds, size, ctx.signal);
    },
    'probe.upload.begin': (input) => uploads.begin(input),
    'probe.upload.chunk': (input) => uploads.chunk(input),
    'probe.upload.finish': ({ name }) => uploads.finish(name),
  };
}
