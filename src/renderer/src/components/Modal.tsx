import { useEffect, useRef, type ReactNode } from 'react';

// A dialog over the screen: a click on the backdrop, Esc or Close closes it; Close gets the focus when it opens
// (Enter or Space closes straight away, Tab reaches the dialog's own controls).

export function Modal({
  title,
  titleId,
  className,
  testId,
  onClose,
  children,
}: {
  title: ReactNode;
  titleId: string;
  className?: string;
  testId?: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className={`modal${className ? ` ${className}` : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        {children}
        <div className="modal-actions">
          <button ref={closeRef} type="button" onClick={onClose} data-testid={testId ? `${testId}-close` : undefined}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
