import { useEffect, useRef } from 'react';

// App-wide keyboard shortcuts. Listed for users in components/ShortcutSheet.tsx (keep both in step).

export interface ShortcutHandlers {
  openProject(): void;
  toggleSheet(): void;
  closeOverlays(): void;
  /** Alt+1..9: the n-th navigation entry (0-based). */
  goTo(index: number): void;
  /** Ctrl+G: the jump box (go to model / layer / unit). */
  jump(): void;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function useShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const h = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        h.openProject();
      } else if (mod && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'g') {
        e.preventDefault();
        h.jump();
      } else if (e.altKey && !mod && /^Digit[1-9]$/.test(e.code)) {
        e.preventDefault();
        h.goTo(Number(e.code.slice(5)) - 1);
      } else if (e.key === 'Escape') {
        h.closeOverlays();
      } else if (e.key === '?' && !mod && !e.altKey && !isTyping(e.target)) {
        e.preventDefault();
        h.toggleSheet();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
