import { useCallback, useEffect, useMemo, useState } from 'react';
import type { RatingSheet } from '../../../../shared/contract';
import { BoxedImage } from '../../components/BoxedImage';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { useContractQuery, useInvalidate, useSetQueryData } from '../../lib/query';
import { router } from '../../routes';

const IMAGE_SIZE = 132;
const RATER_KEY = 'nwb.rater';

export const SCALE: Record<number, string> = {
  1: 'does not describe the images',
  2: 'describes few of them',
  3: 'describes about half',
  4: 'describes most of them',
  5: 'describes them all well',
};

/** Who is rating: asked once, remembered in this browser profile, and kept in the address so a reload resumes. */
function RaterForm({ studyId }: { studyId: number }) {
  const { navigate } = useApp();
  const [name, setName] = useState(() => localStorage.getItem(RATER_KEY) ?? '');
  return (
    <section className="card stack" data-testid="ratings-rater">
      <h1>Rate study #{studyId}</h1>
      <form
        className="inline-field"
        onSubmit={(e) => {
          e.preventDefault();
          const rater = name.trim();
          if (!rater) return;
          localStorage.setItem(RATER_KEY, rater);
          navigate({ screen: 'ratings', view: 'rate', studyId, rater });
        }}
      >
        <label>
          Your name as a rater{' '}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={60} autoFocus data-testid="ratings-rater-name" />
        </label>
        <button type="submit" disabled={!name.trim()} data-testid="ratings-rater-start">
          Start or resume
        </button>
      </form>
      <p className="hint">Each rater&apos;s ratings are their own; the same name resumes where it stopped.</p>
    </section>
  );
}

export function RateView({ studyId, rater }: { studyId: number; rater: string | undefined }) {
  if (!rater) return <RaterForm studyId={studyId} />;
  return <Sheet studyId={studyId} rater={rater} />;
}

type Pos = { n: number; i: number };

/** The first label the rater has not rated (or the last neuron's first label when every one is rated). */
function firstOpen(sheet: RatingSheet): Pos {
  for (let n = 0; n < sheet.neurons.length; n++) {
    const i = sheet.neurons[n].items.findIndex((x) => x.score === null);
    if (i >= 0) return { n, i };
  }
  return { n: Math.max(0, sheet.neurons.length - 1), i: 0 };
}

function Sheet({ studyId, rater }: { studyId: number; rater: string }) {
  const input = useMemo(() => ({ studyId, rater }), [studyId, rater]);
  const q = useContractQuery('ratings.sheet', input);
  const { api } = useApp();
  const setData = useSetQueryData();
  const invalidate = useInvalidate();
  const [pos, setPos] = useState<Pos | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const sheet = q.data;
  const at = pos ?? (sheet ? firstOpen(sheet) : null);

  const rate = useCallback(
    async (p: Pos, score: number | null) => {
      if (!sheet) return;
      const item = sheet.neurons[p.n].items[p.i];
      setError(null);
      try {
        const r = await api.call('ratings.rate', { studyId, rater, itemId: item.itemId, score });
        // The saved value, in the sheet now (the same answer a refetch would give).
        setData('ratings.sheet', input, (old) =>
          old
            ? {
                ...old,
                rated: r.rated,
                neurons: old.neurons.map((n, k) =>
                  k !== p.n ? n : { ...n, items: n.items.map((x, j) => (j === p.i ? { ...x, score } : x)) },
                ),
              }
            : old,
        );
        void invalidate(['ratings']);
        setSaved(score === null ? `Cleared "${item.label}".` : `Saved ${score} for "${item.label}".`);
        // Next: the next open label of this neuron, else the next neuron with an open label, else stay.
        if (score !== null) {
          const items = sheet.neurons[p.n].items;
          const next = items.findIndex((x, j) => j !== p.i && x.score === null && j > p.i);
          const wrap = items.findIndex((x, j) => j !== p.i && x.score === null);
          if (next >= 0) setPos({ n: p.n, i: next });
          else if (wrap >= 0) setPos({ n: p.n, i: wrap });
          else if (p.n + 1 < sheet.neurons.length)
            setPos({
              n: p.n + 1,
              i: Math.max(
                0,
                sheet.neurons[p.n + 1].items.findIndex((x) => x.score === null),
              ),
            });
        }
      } catch (e) {
        setError(toShownError(e));
      }
    },
    [api, sheet, studyId, rater, input, setData, invalidate],
  );

  useEffect(() => {
    if (!sheet || !at) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const items = sheet.neurons[at.n].items;
      if (/^[1-5]$/.test(e.key)) void rate(at, Number(e.key));
      else if (e.key === '0' || e.key === 'Delete' || e.key === 'Backspace') void rate(at, null);
      else if (e.key === 'ArrowDown' || e.key === 'j') setPos({ n: at.n, i: Math.min(items.length - 1, at.i + 1) });
      else if (e.key === 'ArrowUp' || e.key === 'k') setPos({ n: at.n, i: Math.max(0, at.i - 1) });
      else if (e.key === 'ArrowRight' || e.key === 'n') setPos({ n: Math.min(sheet.neurons.length - 1, at.n + 1), i: 0 });
      else if (e.key === 'ArrowLeft' || e.key === 'p') setPos({ n: Math.max(0, at.n - 1), i: 0 });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sheet, at, rate]);

  if (!sheet || !at) return <ErrorBox error={q.error} />;
  const neuron = sheet.neurons[at.n];
  return (
    <div className="stack" data-testid="ratings-sheet" data-rated={sheet.rated} data-total={sheet.total}>
      <section className="card stack">
        <div className="inline-field wrap">
          <h1>{sheet.name}</h1>
          <span className="hint">
            Rater <strong data-testid="ratings-rater-shown">{sheet.rater}</strong> ·{' '}
            <span data-testid="ratings-progress">
              {sheet.rated} of {sheet.total}
            </span>{' '}
            labels rated ·{' '}
            <a href={router.href({ screen: 'ratings', view: 'rate', studyId })} title="Rate under another name">
              change rater
            </a>{' '}
            · <a href={router.href({ screen: 'ratings', view: 'results', studyId })}>results</a>
          </span>
        </div>
        <progress max={sheet.total} value={sheet.rated} aria-label="Labels rated" />
        <p className="hint">
          Keys: <kbd>1</kbd>–<kbd>5</kbd> rate the highlighted label (then the next one is highlighted) · <kbd>↑</kbd>/<kbd>↓</kbd> choose a
          label · <kbd>←</kbd>/<kbd>→</kbd> previous / next neuron · <kbd>0</kbd> clears. Every rating is saved at once. Methods are hidden
          until the results; the neuron&apos;s own page is linked there (it shows which method said what).
        </p>
      </section>
      <section className="card stack" data-testid="ratings-neuron" data-neuron={neuron.neuron} data-index={at.n}>
        <h2>
          Neuron {at.n + 1} of {sheet.neurons.length}{' '}
          <span className="hint">
            (layer {sheet.layer}, unit {neuron.neuron})
          </span>
        </h2>
        <TopImages setId={sheet.activationSetId} neuron={neuron.neuron} imageIds={neuron.topImageIds} />
        <p className="hint">
          Its {neuron.topImageIds.length} most activating probe images, best first; boxes: where it fires most (attention crops).
        </p>
        <ol className="rating-items" data-testid="ratings-items">
          {neuron.items.map((x, i) => (
            <li
              key={x.itemId}
              className={i === at.i ? 'rating-item focused' : 'rating-item'}
              data-testid="ratings-item"
              data-focused={i === at.i}
              data-score={x.score ?? ''}
              onClick={() => setPos({ n: at.n, i })}
            >
              <span className="rating-label">{x.label}</span>
              <span className="rating-buttons" role="group" aria-label={`Rate "${x.label}"`}>
                {[1, 2, 3, 4, 5].map((s) => (
                  <button
                    key={s}
                    type="button"
                    className={x.score === s ? 'chosen' : ''}
                    title={`${s}: ${SCALE[s]}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      void rate({ n: at.n, i }, s);
                    }}
                  >
                    {s}
                  </button>
                ))}
              </span>
            </li>
          ))}
        </ol>
        <p className="hint">
          {Object.entries(SCALE)
            .map(([s, t]) => `${s} = ${t}`)
            .join(' · ')}
        </p>
        <ErrorBox error={error} testId="ratings-error" />
        {saved && (
          <p className="ok-text" data-testid="ratings-saved">
            {saved}
          </p>
        )}
      </section>
    </div>
  );
}

/** The neuron's top images with its attention crops where the layer has a spatial map (plain images otherwise). */
function TopImages({ setId, neuron, imageIds }: { setId: number; neuron: number; imageIds: number[] }) {
  const thumbs = useContractQuery('probe.thumbnails', imageIds.length ? { imageIds, size: IMAGE_SIZE } : null);
  const crops = useContractQuery('activations.crops', imageIds.length ? { activationSetId: setId, neuron, imageIds } : null);
  const url = new Map((thumbs.data ?? []).flatMap((t) => (t.dataUrl ? [[t.id, t.dataUrl] as const] : [])));
  const byId = new Map((crops.data?.images ?? []).map((c) => [c.imageId, c]));
  return (
    <div className="rating-images" data-testid="ratings-images">
      {imageIds.map((id) => {
        const c = byId.get(id);
        return (
          <figure key={id} data-testid="ratings-image" data-image-id={id}>
            {c ? (
              <BoxedImage image={c} url={url.get(id)} size={IMAGE_SIZE} />
            ) : url.get(id) ? (
              <img src={url.get(id)} alt={`probe image ${id}`} width={IMAGE_SIZE} draggable={false} />
            ) : (
              <span className="gen-placeholder" style={{ width: IMAGE_SIZE, height: IMAGE_SIZE }} />
            )}
          </figure>
        );
      })}
    </div>
  );
}
