import type { MappingInfo, Mapping } from './types';

const SOURCE: Record<MappingInfo['source'], string> = {
  explicit: 'set by you',
  'onnx-metadata': "matched by name to the class names stored in the model file's metadata",
  'classes-file': 'matched by name to the class names in a classes file next to the model',
  metadata: "matched by name to the class names in the model's models.json",
  inferred: "inferred from the model's predictions: each probe class goes to the model class that agrees most with it",
  order: 'by order: probe classes sorted by name → 0, 1, 2, … (no class names known, no predictions to infer from)',
};

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export function AccuracyCheck({ info }: { info: MappingInfo }) {
  const acc = info.accuracy;
  const low = info.nearChance;
  return (
    <div className={`abl-accuracy${low ? ' low' : ''}`}>
      <dl className="stat-row">
        <div className={`stat${low ? ' warn' : ''}`}>
          <dt>Model accuracy on the probe set</dt>
          <dd data-testid="abl-accuracy" data-value={acc ?? ''}>
            {acc === null ? '—' : `${(acc * 100).toFixed(1)}%`}
          </dd>
          <dd className="stat-def">
            stored predictions vs the mapped labels, {info.images - info.unmapped} of {info.images} images
          </dd>
        </div>
        <div className="stat">
          <dt>Chance level</dt>
          <dd data-testid="abl-chance" data-value={info.chance ?? ''}>
            {pct(info.chance)}
          </dd>
          <dd className="stat-def">always guessing the largest probe class; at or below {pct(info.lowAccuracyThreshold)} is near chance</dd>
        </div>
      </dl>
      {low && (
        <div className="banner banner-warn" role="alert" data-testid="abl-accuracy-warn">
          Accuracy is near chance: the labels probably do not match the model&apos;s classes. Ablation and Top Impact measure changes of the
          loss on these labels, so they will not start on this mapping unless you confirm it. Fix the mapping below (or reset it to the
          automatic one), or confirm at the last step if the model really is this weak on these images.
        </div>
      )}
    </div>
  );
}

/** Probe class → model class index; how it was decided; a select per row to change it. */
/** The mapping shown by `info` as an explicit {label: class} record (unmapped labels left out). */
export function mappingFromInfo(info: MappingInfo): Mapping {
  const m: Mapping = {};
  for (const r of info.rows) if (r.modelClass !== null) m[r.label] = r.modelClass;
  return m;
}

/** Probe class → model class index; how it was decided; a select per row to change it. */
export function MappingEditor({
  info,
  pending,
  nLogits,
  onChange,
}: {
  info: MappingInfo;
  /** The user's mapping, possibly ahead of `info` while the backend re-checks it. */
  pending: Mapping | null;
  nLogits: number;
  onChange: (label: string, modelClass: number) => void;
}) {
  const classes = info.modelClasses ?? Array.from({ length: nLogits }, (_, i) => `class ${i}`);
  return (
    <div className="stack" data-testid="abl-mapping" data-source={info.source} data-unmapped={info.unmapped}>
      <p className="hint" data-testid="abl-mapping-source">
        Label mapping: <strong>{SOURCE[info.source]}</strong>
        {info.source !== 'explicit' && info.source !== 'inferred' && info.source !== 'order' && (
          <>
            {' '}
            (<span className="mono">{info.sourceDetail}</span>)
          </>
        )}
        .
      </p>
      {info.note && (
        <p className="hint" data-testid="abl-mapping-note">
          {info.note}
        </p>
      )}
      {info.unmapped > 0 && (
        <p className="warn-text" role="alert">
          {info.unmapped} images have a class with no model class: map every class to score.
        </p>
      )}
      <div className="table-scroll abl-mapping-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Probe class</th>
              <th className="num">Images</th>
              <th>Model class</th>
            </tr>
          </thead>
          <tbody>
            {info.rows.map((r) => (
              <tr key={r.label} data-testid="abl-mapping-row" data-label={r.label} data-class={r.modelClass ?? ''}>
                <td>{r.label}</td>
                <td className="num">{r.images}</td>
                <td>
                  <select
                    value={pending?.[r.label] ?? r.modelClass ?? ''}
                    onChange={(e) => onChange(r.label, Number(e.target.value))}
                    aria-label={`Model class of ${r.label}`}
                    data-testid="abl-mapping-select"
                  >
                    {(pending?.[r.label] ?? r.modelClass) === null && <option value="">unmapped…</option>}
                    {classes.map((name, i) => (
                      <option key={i} value={i}>
                        {i}: {name}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
