/** "Make it again even if cached": the try panels' one way to bypass the project's generative cache (input `fresh`). */
export function FreshToggle({
  checked,
  onChange,
  label,
  testId,
}: {
  checked: boolean;
  onChange: (fresh: boolean) => void;
  label: string;
  testId: string;
}) {
  return (
    <label className="inline-field">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} /> {label}
    </label>
  );
}
