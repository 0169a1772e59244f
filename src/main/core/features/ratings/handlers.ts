import type { Contract } from '../../../../shared/contract';
import type { Handlers } from '../../../../shared/define';
import type { BackendState } from '../../platform/context';
import { createStudy, deleteStudy, exportRatings, listStudies, rate, ratingResults, ratingSheet } from './study';

type RatingMethods =
  'ratings.create' | 'ratings.studies' | 'ratings.sheet' | 'ratings.rate' | 'ratings.results' | 'ratings.export' | 'ratings.delete';

export function createRatingHandlers(state: BackendState): Pick<Handlers<Contract>, RatingMethods> {
  const db = () => state.requireProject().db;
  return {
    'ratings.create': (input) => createStudy(db(), input),
    'ratings.studies': ({ activationSetId }) => listStudies(db(), activationSetId),
    'ratings.sheet': ({ studyId, rater }) => ratingSheet(db(), studyId, rater),
    'ratings.rate': (input) => rate(db(), input),
    'ratings.results': ({ studyId }) => ratingResults(db(), studyId),
    'ratings.export': ({ studyId, path, overwrite }) =>
      exportRatings(db(), studyId, { path, overwrite, protectedProjects: state.openProjectPaths() }),
    'ratings.delete': ({ studyId }) => deleteStudy(db(), studyId),
  };
}
