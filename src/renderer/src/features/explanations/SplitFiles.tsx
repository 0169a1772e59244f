import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { toShownError, type ShownError } from '../../lib/errors';
import { dirOf, formatCount, joinPath } from '../../lib/format';
import { useContractMutation } from '../../lib/query';
import type { SplitResult } from './types';

/**
 * Use another tool's train/val/test assignment (a CSV with rel_path and split columns, split.import) and write the
 * shown split out (index, rel_path, split; split.export), to compare results image for image.
 */
export function SplitFiles({
  probeSetId,
  split,
  onImported,
}: {
  probeSetId: number;
  split: SplitResult | null;
  onImported: (splitId: number) => void;
}) {
  const { project } = useApp();
  const importCall = useContractMutation('split.import', { changes: ['explanations'] });
  const exportCall = useContractMutation('split.export', { changes: 'nothing' });
  const base = dirOf(project?.path ?? '/tmp/x');
  const [inPath, setInPath] = useState('');
  const [outPath, setOutPath] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  // A path typed for one split is not reused for another: the field follows the shown split.
  const [pathFor, setPathFor] = useState<number | null>(null);
  const typed = pathFor === split?.id ? outPath.trim() : '';
  const target = typed || (split ? joinPath(base, `split_${split.id}.csv`) : '');

  async function act(f: () => Promise<string>) {
    setDone(null);
    setError(null);
    try {
      setDone(await f());
    } catch (e) {
      setError(toShownError(e));
    }
  }
  return (
    <details className="split-files" data-testid="split-files">
      <summary>Use the split of another tool, or export this one</summary>
      <p className="hint">
        A CSV with a header naming a <span className="mono">rel_path</span> (or <span className="mono">path</span>) column and a{' '}
        <span className="mono">split</span> column (train, val or test), one row per image of the probe set, paths relative to its folder.
      </p>
      <div className="inline-field wrap">
        <input
          className="path-input"
          value={inPath}
          onChange={(e) => setInPath(e.target.value)}
          placeholder="path of a split .csv"
          aria-label="Import a split from path"
          data-testid="split-import-path"
        />
        <button
          type="button"
          disabled={!inPath.trim() || importCall.busy}
          onClick={() =>
            void act(async () => {
              const r = await importCall.run({ probeSetId, path: inPath.trim() });
              onImported(r.id);
              return `${r.created ? 'Imported' : 'Already stored'}: "${r.name}", train ${formatCount(r.counts.train)} / val ${formatCount(r.counts.val)} / test ${formatCount(r.counts.test)}.`;
            })
          }
          data-testid="split-import"
        >
          Import split
        </button>
      </div>
      {split && (
        <div className="inline-field wrap">
          <input
            className="path-input"
            value={target}
            onChange={(e) => {
              setOutPath(e.target.value);
              setPathFor(split.id);
            }}
            aria-label="Export the shown split to path"
            data-testid="split-export-path"
          />
          <button
            type="button"
            disabled={!target || exportCall.busy}
            onClick={() =>
              void act(async () => {
                const r = await exportCall.run({ splitId: split.id, path: target });
                return `Wrote ${formatCount(r.rows)} rows (index, rel_path, split) to ${r.path}.`;
              })
            }
            data-testid="split-export"
          >
            Export this split
          </button>
        </div>
      )}
      {done && (
        <p className="ok-text" data-testid="split-files-done">
          {done}
        </p>
      )}
      <ErrorBox error={error} testId="split-files-error" />
    </details>
  );
}
