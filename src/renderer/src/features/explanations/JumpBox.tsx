import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { router, useRoute, type Route } from '../../routes';
import type { UnitRef } from './route';
import { parseJump, rangeProblem, readRecent, useLayers, type Layer } from './units';
import { randomUnit } from './NeuronNav';

// The global jump box (Ctrl+G, or "Jump…" on a neuron page): type "layer4:42" or "42" (the current layer), or pick
// model / layer / unit from lists; random unit; recent units; bookmarked units of every layer. Its open state is
// outside React so the app shell's shortcut and any screen's button open the same box.

let open = false;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());
export function openJumpBox(): void {
  open = true;
  emit();
}
export function closeJumpBox(): void {
  open = false;
  emit();
}
export function toggleJumpBox(): void {
  open = !open;
  emit();
}
function useJumpBoxOpen(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => open,
  );
}

/** The unit route of a unit (its model from the layer). */
export function unitRoute(layer: Layer, neuron: number, runId?: number): Route {
  return {
    screen: 'explanations',
    view: 'unit',
    modelId: layer.set.modelId,
    setId: layer.set.id,
    neuron,
    ...(runId !== undefined ? { runId } : {}),
  };
}

/** The layer the route shows (a unit page, a run, the models page's activation set), if any. */
function useCurrentSetId(route: Route): number | null {
  const runId = route.screen === 'explanations' && route.view === 'run' ? route.runId : null;
  const runs = useContractQuery('explain.runs', runId !== null ? {} : null);
  if (route.screen === 'explanations') {
    if (route.view === 'unit') return route.setId;
    if (route.view === 'compare') return route.a?.setId ?? null;
    if (route.view === 'run') return runs.data?.find((r) => r.id === route.runId)?.activationSetId ?? null;
  }
  if (route.screen === 'models' && route.view === 'model' && route.setId !== undefined) return route.setId;
  return null;
}

function SetBookmarks({ layer, onGo }: { layer: Layer; onGo: (l: Layer, n: number) => void }) {
  const list = useContractQuery('bookmark.list', { activationSetId: layer.set.id });
  if (!list.data?.length) return null;
  return (
    <>
      {list.data.map((b) => (
        <li key={`${layer.set.id}:${b.neuron}`} data-testid="jump-bookmark" data-set={layer.set.id} data-neuron={b.neuron}>
          <button type="button" className="link" onClick={() => onGo(layer, b.neuron)}>
            ★ {layer.label} / unit {b.neuron}
          </button>
          {b.note && <span className="hint"> · {b.note}</span>}
        </li>
      ))}
    </>
  );
}

/** Mounted once by the app shell; shows the box while it is open. */
export function JumpBoxHost() {
  const isOpen = useJumpBoxOpen();
  return isOpen ? <JumpBox onClose={closeJumpBox} /> : null;
}

function JumpBox({ onClose }: { onClose: () => void }) {
  const { navigate, project } = useApp();
  const route = useRoute();
  const { layers, error } = useLayers();
  const currentSetId = useCurrentSetId(route);
  const recent = readRecent(project?.path);
  const current = layers?.find((l) => l.set.id === (currentSetId ?? recent[0]?.setId)) ?? null;
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [modelId, setModelId] = useState<number | null>(null);
  const [setId, setSetId] = useState<number | null>(null);
  const [unit, setUnit] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);

  const models = [...new Map((layers ?? []).map((l) => [l.set.modelId, l.model?.name ?? `model #${l.set.modelId}`])).entries()];
  const pickedModel = modelId ?? current?.set.modelId ?? models[0]?.[0] ?? null;
  const modelLayers = (layers ?? []).filter((l) => l.set.modelId === pickedModel);
  const pickedLayer =
    modelLayers.find((l) => l.set.id === setId) ?? (current && current.set.modelId === pickedModel ? current : modelLayers[0]) ?? null;
  // Keep the run the user is looking at when the jump stays in its layer.
  const keepRun = route.screen === 'explanations' && route.view === 'unit' ? route.runId : undefined;

  function go(layer: Layer, neuron: number) {
    navigate(unitRoute(layer, neuron, layer.set.id === currentSetId ? keepRun : undefined));
    onClose();
  }
  function submitText(e: FormEvent) {
    e.preventDefault();
    if (!layers) return;
    const r = parseJump(text, layers, current);
    if (!r.ok) return setProblem(r.message);
    const l = layers.find((x) => x.set.id === r.setId);
    if (l) go(l, r.neuron);
  }
  function submitPick(e: FormEvent) {
    e.preventDefault();
    if (!pickedLayer) return;
    const n = /^\d+$/.test(unit.trim()) ? Number(unit.trim()) : NaN;
    const p = Number.isNaN(n) ? `"${unit}" is not a unit number: type a whole number, e.g. 0.` : rangeProblem(pickedLayer, n);
    if (p) return setProblem(p);
    go(pickedLayer, n);
  }
  const recentShown = recent.flatMap((u: UnitRef) => {
    const l = layers?.find((x) => x.set.id === u.setId);
    return l && u.neuron < l.set.nNeurons ? [{ u, l }] : [];
  });

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal jump-box"
        role="dialog"
        aria-modal="true"
        aria-labelledby="jump-title"
        data-testid="jump-box"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="jump-title">Jump to a unit</h2>
        <ErrorBox error={error} />
        <form onSubmit={submitText} className="inline-field wrap">
          <input
            ref={inputRef}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setProblem(null);
            }}
            placeholder={current ? `${current.short}:42 or 42 (in ${current.short})` : 'layer:unit, e.g. Flatten:42'}
            aria-label="Unit address: layer:unit, or a unit of the current layer"
            className="jump-box-input"
            data-testid="jump-input"
          />
          <button type="submit" className="primary" disabled={!layers || !text.trim()} data-testid="jump-submit">
            Go
          </button>
        </form>
        <p className="hint">
          {current ? (
            <>
              Current layer: <strong>{current.label}</strong> ({current.set.nNeurons} units, 0-{current.set.nNeurons - 1}).{' '}
            </>
          ) : null}
          Type <code>layer:unit</code> (a part of the layer's name will do), <code>#set:unit</code>, or a unit number.
        </p>
        {problem && (
          <p className="warn-text" role="alert" data-testid="jump-error">
            {problem}
          </p>
        )}
        {layers && layers.length === 0 && <p className="hint">No activations yet: extract a layer on the Models screen first.</p>}
        {layers && layers.length > 0 && (
          <form onSubmit={submitPick} className="jump-pick">
            <label>
              Model
              <select
                value={pickedModel ?? ''}
                onChange={(e) => {
                  setModelId(Number(e.target.value));
                  setSetId(null);
                }}
                data-testid="jump-model"
              >
                {models.map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Layer
              <select value={pickedLayer?.set.id ?? ''} onChange={(e) => setSetId(Number(e.target.value))} data-testid="jump-layer">
                {modelLayers.map((l) => (
                  <option key={l.set.id} value={l.set.id}>
                    {l.short} · {l.set.nNeurons} units · {l.detail}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Unit
              <input
                value={unit}
                onChange={(e) => {
                  setUnit(e.target.value);
                  setProblem(null);
                }}
                inputMode="numeric"
                placeholder={pickedLayer ? `0-${pickedLayer.set.nNeurons - 1}` : ''}
                className="jump-input"
                data-testid="jump-unit"
              />
            </label>
            <button type="submit" disabled={!pickedLayer || !unit.trim()} data-testid="jump-pick-submit">
              Open
            </button>
            <button
              type="button"
              disabled={!pickedLayer}
              onClick={() => pickedLayer && go(pickedLayer, randomUnit(pickedLayer.set.nNeurons, -1))}
              data-testid="jump-random"
            >
              Random unit
            </button>
          </form>
        )}
        <div className="grid-2 jump-lists">
          <section>
            <h4>Recent units</h4>
            {recentShown.length === 0 ? (
              <p className="hint">None yet in this project.</p>
            ) : (
              <ul className="plain-list" data-testid="jump-recent">
                {recentShown.map(({ u, l }) => (
                  <li key={`${u.setId}:${u.neuron}`} data-testid="jump-recent-item" data-set={u.setId} data-neuron={u.neuron}>
                    <button type="button" className="link" onClick={() => go(l, u.neuron)}>
                      {l.label} / unit {u.neuron}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h4>Bookmarks</h4>
            <ul className="plain-list" data-testid="jump-bookmarks">
              {(layers ?? []).map((l) => (
                <SetBookmarks key={l.set.id} layer={l} onGo={go} />
              ))}
            </ul>
            <p className="hint">Star a unit on its page (☆ Bookmark) to list it here.</p>
          </section>
        </div>
        <div className="modal-actions">
          <button type="button" onClick={onClose} data-testid="jump-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

/** For links outside React handlers: the href of a unit. */
export const unitHref = (layer: Layer, neuron: number, runId?: number): string => router.href(unitRoute(layer, neuron, runId));
