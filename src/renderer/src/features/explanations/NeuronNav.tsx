import { useEffect, useState, type FormEvent } from 'react';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Previous / next / jump to a neuron; the left and right arrow keys step too (not while typing). */
export function NeuronNav({
  neuron,
  count,
  onGo,
  onBack,
}: {
  neuron: number;
  count: number;
  onGo: (n: number) => void;
  onBack: () => void;
}) {
  const [jump, setJump] = useState('');
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowRight' && neuron < count - 1) onGo(neuron + 1);
      else if (e.key === 'ArrowLeft' && neuron > 0) onGo(neuron - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [neuron, count, onGo]);
  const n = Number(jump);
  const jumpOk = jump.trim() !== '' && Number.isInteger(n) && n >= 0 && n < count;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (jumpOk) {
      onGo(n);
      setJump('');
    }
  }
  return (
    <div className="neuron-nav" data-testid="neuron-nav">
      <button type="button" onClick={onBack} data-testid="neuron-back">
        ← Results
      </button>
      <button type="button" disabled={neuron <= 0} onClick={() => onGo(neuron - 1)} title="Previous neuron (←)" data-testid="neuron-prev">
        ‹ Prev
      </button>
      <span className="mono">
        {neuron} / {count - 1}
      </span>
      <button
        type="button"
        disabled={neuron >= count - 1}
        onClick={() => onGo(neuron + 1)}
        title="Next neuron (→)"
        data-testid="neuron-next"
      >
        Next ›
      </button>
      <form onSubmit={submit} className="inline-field">
        <input
          value={jump}
          onChange={(e) => setJump(e.target.value)}
          placeholder="jump to #"
          aria-label="Jump to neuron"
          className="jump-input"
          data-testid="neuron-jump"
        />
        <button type="submit" disabled={!jumpOk}>
          Go
        </button>
      </form>
    </div>
  );
}
