import { formatCount } from '../../lib/format';
import type { ProbeSetInfo } from '../../lib/types';

/** A labelled probe-set picker (name and image count); null while none is chosen. */
export function ProbeSetSelect({
  probeSets,
  value,
  onChange,
  label = 'Probe set',
  testId,
}: {
  probeSets: ProbeSetInfo[];
  value: number | null;
  onChange: (id: number | null) => void;
  label?: string;
  testId: string;
}) {
  return (
    <label className="inline-field">
      {label}{' '}
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)} data-testid={testId}>
        {probeSets.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({formatCount(p.images)} images)
          </option>
        ))}
      </select>
    </label>
  );
}
