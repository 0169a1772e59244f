// The blind rating study (issue #15). Contract: src/shared/contract/ratings.ts.
export { createRatingHandlers } from './handlers';
export { ratingResults, listStudies } from './study';
