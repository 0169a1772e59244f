import { ErrorBox } from '../../components/ErrorBox';
import { formatCount } from '../../lib/format';
import type { ShownError } from '../../lib/errors';
import type { SplitResult } from './types';
import { SplitFiles } from './SplitFiles';
import { DEFAULT_PARAMS, NUM_FIELDS, type LambdaSelection, type Order, type ParamDraft } from './wizardParams';

/** Step 3: the stored seeded 70/10/20 split (or one imported with split.import), and the LE hyperparameters with defaults and meanings. */
export function StepParams({
  seed,
  onSeed,
  split,
  splitError,
  imported,
  probeSetId,
  splitChoice,
  onSplitChoice,
  params,
  errors,
  onParams,
}: {
  seed: string;
  onSeed: (s: string) => void;
  split: SplitResult | null;
  splitError: ShownError | null;
  /** Splits imported for this probe set (split.import), and the one chosen instead of the seeded split (null: seeded). */
  imported: Omit<SplitResult, 'created'>[];
  probeSetId: number | null;
  splitChoice: number | null;
  onSplitChoice: (id: number | null) => void;
  params: ParamDraft;
  /** Why a field is refused, by name (explain.run's schema, the shared formatter's words). */
  errors: Partial<Record<string, string>>;
  onParams: (p: ParamDraft) => void;
}) {
  const set = (patch: Partial<ParamDraft>) => onParams({ ...params, ...patch });
  return (
    <div className="stack">
      <section>
        <h4>{splitChoice === null ? 'Split 70 / 10 / 20' : 'Split: imported'}</h4>
        {imported.length > 0 && (
          <label className="inline-field">
            Train / val / test assignment{' '}
            <select
              value={splitChoice ?? ''}
              onChange={(e) => onSplitChoice(e.target.value ? Number(e.target.value) : null)}
              data-testid="wiz-split-choice"
            >
              <option value="">seeded 70 / 10 / 20 (the seed below)</option>
              {imported.map((s) => (
                <option key={s.id} value={s.id}>
                  imported: {s.name ?? `split ${s.id}`} ({s.counts.train} / {s.counts.val} / {s.counts.test})
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="field-row">
          <div className="field">
            <label htmlFor="wiz-seed">Seed</label>
            <input
              id="wiz-seed"
              inputMode="numeric"
              value={seed}
              onChange={(e) => onSeed(e.target.value)}
              aria-invalid={errors.seed !== undefined}
              disabled={splitChoice !== null}
              title={splitChoice !== null ? 'An imported split is used: the seed does not choose it' : undefined}
              data-testid="wiz-seed"
            />
            {errors.seed && <span className="warn-text"> seed {errors.seed}</span>}
          </div>
          {split && (
            <p className="split-counts" data-testid="wiz-split" data-created={split.created}>
              train <strong>{formatCount(split.counts.train)}</strong> · val <strong>{formatCount(split.counts.val)}</strong> · test{' '}
              <strong>{formatCount(split.counts.test)}</strong> images
              <br />
              <span className="hint">
                {split.source === 'imported'
                  ? `As given in ${split.name ?? 'the imported file'}: the same images as the other tool, image for image.`
                  : `${split.created ? 'Created now and stored' : 'Stored'} with the project (seed ${split.seed}), reused by every run with this seed — scores stay comparable across runs.`}
              </span>
            </p>
          )}
        </div>
        <ErrorBox error={splitError} />
        {probeSetId !== null && <SplitFiles probeSetId={probeSetId} split={split} onImported={onSplitChoice} />}
        <p className="hint">train fits the explanation, val chooses concepts (and λ), test gives the reported score.</p>
      </section>
      <section>
        <h4>Hyperparameters</h4>
        <table className="table params-table" data-testid="wiz-params">
          <tbody>
            <tr>
              <th scope="row">λ selection</th>
              <td>
                <select
                  value={params.lambdaSelection}
                  onChange={(e) => set({ lambdaSelection: e.target.value as LambdaSelection })}
                  data-testid="wiz-lambda-sel"
                >
                  <option value="fixed">fixed λ (reference)</option>
                  <option value="val">chosen on val per neuron</option>
                </select>
              </td>
              <td className="hint">fixed: one λ for all neurons; val: a λ path, the best val correlation per neuron (slower)</td>
            </tr>
            {NUM_FIELDS.map((f) => {
              const off = f.key === 'lambda' && params.lambdaSelection === 'val';
              const err = off ? null : (errors[f.key] ?? null);
              return (
                <tr key={f.key}>
                  <th scope="row">{f.label}</th>
                  <td>
                    <input
                      value={params[f.key]}
                      disabled={off}
                      onChange={(e) => set({ [f.key]: e.target.value })}
                      aria-invalid={err !== null}
                      className="param-input"
                      data-testid={`wiz-param-${f.key}`}
                    />
                    {err && <span className="warn-text"> {err}</span>}
                  </td>
                  <td className="hint">
                    {f.hint} (default{' '}
                    {Number(DEFAULT_PARAMS[f.key])
                      .toPrecision(3)
                      .replace(/\.?0+$/, '')}
                    )
                  </td>
                </tr>
              );
            })}
            <tr>
              <th scope="row">Concept order</th>
              <td>
                <select value={params.order} onChange={(e) => set({ order: e.target.value as Order })} data-testid="wiz-order">
                  <option value="signed">signed weight (reference)</option>
                  <option value="abs">|weight|</option>
                </select>
              </td>
              <td className="hint">ranking before the search; |weight| also finds concepts with negative weights</td>
            </tr>
          </tbody>
        </table>
        <button type="button" className="link" onClick={() => onParams(DEFAULT_PARAMS)}>
          Reset to defaults
        </button>
      </section>
    </div>
  );
}
