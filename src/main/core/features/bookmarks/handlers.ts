import type { Handlers } from '../../../../shared/define';
import type { ActivationSetInfo, Contract } from '../../../../shared/contract';
import { AppError } from '../../../../shared/errors';
import type { BackendState } from '../../platform/context';
import { getSetInfo } from '../../platform/store/activationRepo';
import { deleteBookmark, listBookmarks, upsertBookmark } from '../../platform/store/bookmarkRepo';
import type { Db } from '../../platform/store/open';

type BookmarkMethods = 'bookmark.list' | 'bookmark.set' | 'bookmark.remove';

/** The activation set a bookmark names; refused (not_found) when the project has no such set. */
function requireSet(db: Db, activationSetId: number): ActivationSetInfo {
  const set = getSetInfo(db, activationSetId);
  if (!set)
    throw new AppError(
      'not_found',
      `Activation set ${activationSetId} does not exist in this project. activations.list shows the sets there are.`,
    );
  return set;
}

/** A neuron is a column of the set's matrix (the same words as explanations' checkNeuron). */
function checkNeuron(set: ActivationSetInfo, neuron: number): void {
  if (neuron >= set.nNeurons)
    throw new AppError(
      'bad_input',
      `Neuron ${neuron} is out of range: activation set ${set.id} (layer ${set.tensorName}) has ${set.nNeurons} neurons (0..${set.nNeurons - 1}).`,
    );
}

/**
 * Handlers of neuron bookmarks. Writes need no check of their own for read-only projects: the connection is
 * read-only, and the store-error wrapper (app/storeErrors.ts) turns SQLite's refusal into `read_only`, as for
 * every other write. They run after the checks above, so a bad id or neuron is named first either way.
 */
export function createBookmarkHandlers(state: BackendState): Pick<Handlers<Contract>, BookmarkMethods> {
  const db = () => state.requireProject().db;
  return {
    'bookmark.list': ({ activationSetId }) => {
      if (activationSetId !== undefined) requireSet(db(), activationSetId);
      return listBookmarks(db(), activationSetId);
    },
    'bookmark.set': ({ activationSetId, neuron, note }) => {
      checkNeuron(requireSet(db(), activationSetId), neuron);
      return upsertBookmark(db(), { activationSetId, neuron, note: note.trim() });
    },
    'bookmark.remove': ({ activationSetId, neuron }) => {
      checkNeuron(requireSet(db(), activationSetId), neuron);
      return { removed: deleteBookmark(db(), activationSetId, neuron) };
    },
  };
}
