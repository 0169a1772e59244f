import { useEffect, useState, type FormEvent } from 'react';
import { parseJump, type Layer } from './units';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** A random unit of a layer other than `neuron` (when there is another). */
export function randomUnit(count: number, neuron: number): number {
  if (count <= 1) return 0;
  const r = Math.floor(Math.random() * (count - 1));
  return r >= neuron ? r + 1 : r;
}

/**
 * Previous / next / random / jump to a unit; the left and right arrow keys step too (not while typing). The jump
 * field takes "42" (this layer) or "layer:42" (another layer) and says why when the unit does not exist.
 */
export function NeuronNav({
  neuron,
  layer,
  layers,
  onGo,
  onBack,
  onOpenJumpBox,
}: {
  neuron: number;
  layer: Layer;
  layers: Layer[];
  onGo: (setId: number, n: number) => void;
  onBack?: () => void;
  onOpenJumpBox?: () => void;
}) {
  const count = layer.set.nNeurons;
  const setId = layer.set.id;
  const [jump, setJump] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey || document.querySelector('[role=dialog][aria-modal=true]')) return;
      if (e.key === 'ArrowRight' && neuron < count - 1) onGo(setId, neuron + 1);
      else if (e.key === 'ArrowLeft' && neuron > 0) onGo(setId, neuron - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [neuron, count, setId, onGo]);
  useEffect(() => setProblem(null), [neuron, setId]);
  function submit(e: FormEvent) {
    e.preventDefault();
    const r = parseJump(jump, layers, layer);
    if (!r.ok) {
      setProblem(r.message);
      return;
    }
    setProblem(null);
    setJump('');
    onGo(r.setId, r.neuron);
  }
  return (
    <div className="neuron-nav-block">
      <div className="neuron-nav" data-testid="neuron-nav">
        {onBack && (
          <button type="button" onClick={onBack} data-testid="neuron-back" title="The run's results table">
            ← Results
          </button>
        )}
        <button
          type="button"
          disabled={neuron <= 0}
          onClick={() => onGo(setId, neuron - 1)}
          title="Previous unit (←)"
          data-testid="neuron-prev"
        >
          ‹ Prev
        </button>
        <span
          className="mono"
          data-testid="unit-counter"
          title={`unit ${neuron} is the ${neuron + 1}th of the layer's ${count} units (0-${count - 1})`}
        >
          {(neuron + 1).toLocaleString('en-US')} of {count.toLocaleString('en-US')}
        </span>
        <button
          type="button"
          disabled={neuron >= count - 1}
          onClick={() => onGo(setId, neuron + 1)}
          title="Next unit (→)"
          data-testid="neuron-next"
        >
          Next ›
        </button>
        <button
          type="button"
          onClick={() => onGo(setId, randomUnit(count, neuron))}
          title="A random unit of this layer"
          data-testid="neuron-random"
        >
          Random
        </button>
        <form onSubmit={submit} className="inline-field">
          <input
            value={jump}
            onChange={(e) => {
              setJump(e.target.value);
              setProblem(null);
            }}
            placeholder={`unit or layer:unit`}
            aria-label="Jump to unit (a number, or layer:unit)"
            aria-invalid={!!problem}
            className="jump-input"
            data-testid="neuron-jump"
          />
          <button type="submit" disabled={!jump.trim()}>
            Go
          </button>
        </form>
        {onOpenJumpBox && (
          <button
            type="button"
            className="link"
            onClick={onOpenJumpBox}
            title="Pick any model, layer and unit, recent units, bookmarks (Ctrl+G)"
          >
            Jump… <kbd>Ctrl+G</kbd>
          </button>
        )}
      </div>
      {problem && (
        <p className="warn-text" role="alert" data-testid="neuron-jump-error">
          {problem}
        </p>
      )}
    </div>
  );
}
