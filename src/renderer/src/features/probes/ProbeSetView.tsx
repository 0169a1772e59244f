import { useEffect, useState } from 'react';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { formatCount, formatDate } from '../../lib/format';
import type { LabelCount, ProbeSetInfo } from '../../lib/types';
import { ErrorBox } from '../../components/ErrorBox';
import { LabelTable } from './LabelTable';
import { SkippedList } from './SkippedList';
import { ThumbnailGrid } from './ThumbnailGrid';
import { ThumbnailCache } from './thumbnailCache';

/** One probe set: facts, counts per label (click to filter), skipped files, and the image grid. */
export function ProbeSetView({
  set,
  labelId,
  onFilter,
}: {
  set: ProbeSetInfo;
  labelId: number | null;
  onFilter: (labelId: number | null) => void;
}) {
  const { api } = useApp();
  const { data: summary, error } = useContractQuery('probe.summary', { probeSetId: set.id });
  // The label filter is part of the address (#/probes/3/label/7); its name shows once the counts are read.
  const filter: LabelCount | null = labelId === null ? null : (summary?.labels.find((l) => l.id === labelId) ?? null);
  // One thumbnail cache per probe set view: switching the label filter reuses what was fetched.
  const [thumbs] = useState(() => new ThumbnailCache(api, 96));
  useEffect(() => () => thumbs.cancelAll(), [thumbs]);

  return (
    <div className="probe-view" data-testid="probeset-view" data-name={set.name}>
      <header className="probe-head">
        <div>
          <h2>{set.name}</h2>
          <p className="mono hint" title="Folder the images were imported from">
            {set.rootPath}
          </p>
        </div>
        <dl className="stat-row">
          <div className="stat">
            <dt>images</dt>
            <dd data-testid="probeset-images">{formatCount(set.images)}</dd>
          </div>
          <div className="stat">
            <dt>classes</dt>
            <dd>{set.classes}</dd>
          </div>
          <div className={`stat${set.skipped ? ' warn' : ''}`}>
            <dt>skipped</dt>
            <dd data-testid="probeset-skipped">{formatCount(set.skipped)}</dd>
          </div>
          <div className="stat">
            <dt>status</dt>
            <dd>{set.complete ? 'complete' : 'incomplete'}</dd>
          </div>
        </dl>
      </header>
      <p className="hint">
        Imported {formatDate(set.createdAt)}
        {set.labelsCsvPath ? ` · labels from ${set.labelsCsvPath}` : ''}
        {set.manifestHash ? ` · manifest ${set.manifestHash.slice(0, 12)}` : ''}
        {!set.complete ? ' · the import did not finish: resume it on the Jobs screen' : ''}
      </p>
      <ErrorBox error={error} />
      <div className="probe-body">
        <div className="probe-side">
          {summary && <LabelTable summary={summary} selectedId={labelId} onSelect={(l) => onFilter(l?.id ?? null)} />}
          {set.skipped > 0 && <SkippedList probeSetId={set.id} count={set.skipped} />}
        </div>
        <section className="probe-grid card" aria-label="Images">
          <div className="card-head">
            <h3>
              Images{' '}
              {filter && (
                <span className="chip" data-testid="grid-filter">
                  {filter.kind === 'superclass' ? 'superclass' : 'class'}: {filter.name}
                  <button type="button" aria-label="Show all images" onClick={() => onFilter(null)}>
                    ×
                  </button>
                </span>
              )}
            </h3>
          </div>
          <ThumbnailGrid key={labelId ?? 'all'} probeSetId={set.id} labelId={labelId} thumbs={thumbs} />
        </section>
      </div>
    </div>
  );
}
