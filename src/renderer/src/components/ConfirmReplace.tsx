// The one question an export asks when its file exists (file_exists from the backend): replace it or keep it.
// Replacing re-sends the same export with overwrite: true; keeping it just closes the question.

export function ConfirmReplace({
  path,
  onReplace,
  onKeep,
  testId,
}: {
  path: string;
  onReplace: () => void;
  onKeep: () => void;
  /** data-testid of the question ('<x>-confirm-replace'); its Replace button gets '<x>-replace'. */
  testId: string;
}) {
  return (
    <div className="confirm-replace" role="alert" data-testid={testId}>
      <p>
        <span className="mono">{path}</span> already exists. Replace it?
      </p>
      <div className="actions">
        <button type="button" onClick={onKeep}>
          Keep it
        </button>
        <button type="button" className="danger" onClick={onReplace} data-testid={testId.replace(/-confirm-replace$/, '-replace')}>
          Replace
        </button>
      </div>
    </div>
  );
}
