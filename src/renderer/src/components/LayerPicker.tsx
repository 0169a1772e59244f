import { useEffect } from 'react';
import type { ActivationSetInfo } from '../../../shared/contract';
import { useApp } from '../lib/appContext';
import { formatCount } from '../lib/format';
import { useContractQuery } from '../lib/query';
import { ErrorBox } from './ErrorBox';

// The layer (complete activation set) a layer-level screen works on, chosen in its route: the Describe-and-Dissect
// and Compare methods screens. A route without a layer opens the first complete one.

export interface Layers {
  complete: ActivationSetInfo[];
  /** The route's layer, when it is a complete one. */
  set: ActivationSetInfo | undefined;
  /** "model / tensor" as the screens name a layer. */
  layerName: (s: ActivationSetInfo) => string;
  picker: React.ReactNode;
}

export function useLayers(
  routeSetId: number | undefined,
  open: (setId: number, opts?: { replace: boolean }) => void,
  opts: { testId: string; showSummary?: boolean },
): Layers {
  const { openScreen } = useApp();
  const sets = useContractQuery('activations.list', {});
  const models = useContractQuery('model.list', {});
  const complete = (sets.data ?? []).filter((s) => s.complete);
  const set = complete.find((s) => s.id === routeSetId);
  const modelName = (id: number) => models.data?.find((m) => m.id === id)?.name ?? `model #${id}`;
  const first = complete[0]?.id;
  useEffect(() => {
    if (routeSetId === undefined && first !== undefined) open(first, { replace: true });
  }, [routeSetId, first, open]);

  const picker = (
    <>
      <ErrorBox error={sets.error ?? models.error} />
      {sets.data && complete.length === 0 && (
        <p className="hint">
          No extracted layer yet: extract one on the{' '}
          <button type="button" className="link" onClick={() => openScreen('models')}>
            Models
          </button>{' '}
          screen.
        </p>
      )}
      {complete.length > 0 && (
        <label className="inline-field">
          Layer{' '}
          <select value={set?.id ?? ''} onChange={(e) => open(Number(e.target.value))} data-testid={opts.testId}>
            {!set && <option value="">— choose a layer —</option>}
            {complete.map((s) => (
              <option key={s.id} value={s.id}>
                {modelName(s.modelId)} / {s.tensorName} ({formatCount(s.nNeurons)} neurons, {formatCount(s.nImages)} images
                {opts.showSummary ? `, ${s.summary}` : ''})
              </option>
            ))}
          </select>
        </label>
      )}
      {routeSetId !== undefined && sets.data && !set && (
        <p className="warn-text" data-testid={`${opts.testId}-missing`}>
          Activation set #{routeSetId} is not a complete layer of this project: choose another one.
        </p>
      )}
    </>
  );
  return { complete, set, layerName: (s) => `${modelName(s.modelId)} / ${s.tensorName}`, picker };
}
