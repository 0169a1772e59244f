export const STEPS = ['Model & layer', 'Concepts', 'Split & parameters', 'Review & start'] as const;

/** The wizard's step indicator: numbered steps, the current one highlighted, done ones clickable. */
export function WizardSteps({ step, maxReached, onGo }: { step: number; maxReached: number; onGo: (i: number) => void }) {
  return (
    <ol className="wizard-steps" aria-label="Steps" data-testid="wizard-steps">
      {STEPS.map((s, i) => (
        <li key={s} className={i === step ? 'current' : i < step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
          <button type="button" className="link" disabled={i > maxReached} onClick={() => onGo(i)} data-testid={`wizard-step-${i}`}>
            <span className="wizard-num">{i + 1}</span> {s}
          </button>
        </li>
      ))}
    </ol>
  );
}
