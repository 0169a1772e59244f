// The public surface of features/bookmarks: neurons of an activation set the user marked, with a note.
// Other features import only from here (lint forbids reaching into this folder's other files); the report
// feature uses bookmarkedNeurons for its `bookmarked` neuron selection.

import { bookmarkedNeurons as storedBookmarkedNeurons } from '../../platform/store/bookmarkRepo';
import type { Db } from '../../platform/store/open';

export { createBookmarkHandlers } from './handlers';

/** The bookmarked neurons of an activation set, ascending (empty when it has none, or no such set). */
export function bookmarkedNeurons(db: Db, activationSetId: number): number[] {
  return storedBookmarkedNeurons(db, activationSetId);
}
