import { useEffect, useState, type FormEvent } from 'react';
import { contract } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { toShownError, type ShownError } from '../../lib/errors';
import { fieldError, shapeOf } from '../../lib/forms';
import { useContractMutation, useContractQuery, useSetQueryData, type Loaded } from '../../lib/query';
import type { Out } from '../../lib/contract';
import { router } from '../../routes';

// Neuron bookmarks (bookmark.list / set / remove): a neuron of an activation set with a note, kept in the project.
// Every view of them reads the one query ['bookmark.list', { activationSetId }]; a change writes the saved
// bookmark into that query at once, so the star, the note and the list agree without a reload.

const NOTE = shapeOf(contract['bookmark.set'].input).note;

type Bookmarks = Out<'bookmark.list'>;

function useSetBookmarks(activationSetId: number): Loaded<Bookmarks> {
  return useContractQuery('bookmark.list', { activationSetId });
}

/** Star a neuron (aria-pressed) and keep a note with it; on the neuron page. */
export function BookmarkToggle({ activationSetId, neuron }: { activationSetId: number; neuron: number }) {
  const list = useSetBookmarks(activationSetId);
  const mark = list.data?.find((b) => b.neuron === neuron) ?? null;
  // Written into the list's query from what the backend returns: no feature of the data layer owns these methods.
  const save = useContractMutation('bookmark.set', { changes: 'nothing' });
  const remove = useContractMutation('bookmark.remove', { changes: 'nothing' });
  const setQueryData = useSetQueryData();
  const [note, setNote] = useState(mark?.note ?? '');
  const [error, setError] = useState<ShownError | null>(null);
  const saved = mark?.note ?? '';
  // Another neuron, or its saved note arriving: show that note.
  useEffect(() => {
    setNote(saved);
    setError(null);
  }, [neuron, saved]);

  const noteError = fieldError(NOTE, note);
  const busy = save.busy || remove.busy;
  const key = { activationSetId };

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(toShownError(e));
    }
  }
  const put = () =>
    run(async () => {
      const b = await save.run({ activationSetId, neuron, note: note.trim() });
      setQueryData('bookmark.list', key, (old) => [b, ...(old ?? []).filter((x) => x.neuron !== neuron)].sort(newestFirst));
    });
  const unmark = () =>
    run(async () => {
      await remove.run({ activationSetId, neuron });
      setQueryData('bookmark.list', key, (old) => (old ?? []).filter((x) => x.neuron !== neuron));
    });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!noteError && !busy) void put();
  }

  return (
    <div className="bookmark" data-testid="bookmark" data-bookmarked={!!mark}>
      <form className="inline-field" onSubmit={submit}>
        <button
          type="button"
          className={`bookmark-toggle${mark ? ' on' : ''}`}
          aria-pressed={!!mark}
          disabled={busy || !list.data || (!mark && !!noteError)}
          onClick={() => void (mark ? unmark() : put())}
          title={mark ? `Remove the bookmark of neuron ${neuron}` : `Bookmark neuron ${neuron} (with the note, if any)`}
          data-testid="bookmark-toggle"
        >
          <span aria-hidden="true">{mark ? '★' : '☆'}</span> Bookmark
        </button>
        <input
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder="note (optional)"
          aria-label={`Note on neuron ${neuron}`}
          aria-invalid={!!noteError}
          className="bookmark-note"
          data-testid="bookmark-note"
        />
        {mark && (
          <button type="submit" disabled={busy || !!noteError || note.trim() === saved} data-testid="bookmark-note-save">
            Save note
          </button>
        )}
      </form>
      {noteError && <p className="warn-text">Note {noteError}</p>}
      <ErrorBox error={error ?? list.error} testId="bookmark-error" />
    </div>
  );
}

function newestFirst(a: Bookmarks[number], b: Bookmarks[number]): number {
  return b.createdAt.localeCompare(a.createdAt) || a.neuron - b.neuron;
}

/** The bookmarked neurons of a run's activation set, each a link to its neuron page in this run. */
export function BookmarkList({ runId, activationSetId }: { runId: number; activationSetId: number }) {
  const list = useSetBookmarks(activationSetId);
  const rows = list.data ?? [];
  return (
    <section className="card bookmark-list" data-testid="bookmark-list" aria-labelledby="bookmark-list-title">
      <h4 id="bookmark-list-title">Bookmarked neurons</h4>
      <ErrorBox error={list.error} />
      {list.data && rows.length === 0 && (
        <p className="hint">None yet: star a neuron on its page (☆ Bookmark) to keep it here, with a note.</p>
      )}
      {rows.length > 0 && (
        <ul>
          {rows.map((b) => (
            <li key={b.neuron} data-testid="bookmark-item" data-neuron={b.neuron}>
              <a href={router.href({ screen: 'explanations', view: 'run', runId, neuron: b.neuron })}>Neuron {b.neuron}</a>
              {b.note && <span className="bookmark-list-note"> · {b.note}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
