import { useCallback, useEffect, useState } from 'react';
import { ImportPanel } from './ImportPanel';
import { ProbeSetList } from './ProbeSetList';
import { ProbeSetView } from './ProbeSetView';
import { useApp } from '../../lib/appContext';
import { useJobs } from '../jobs';
import type { ProbeSetInfo } from '../../lib/types';

type Selection = { kind: 'add' } | { kind: 'set'; id: number };

/** Probe sets: the project's image folders (list), adding one (import job), and one set's contents. */
export function ProbeSetsScreen() {
  const { api, reportError, droppedRoot, focusRequest } = useApp();
  const runner = useJobs();
  const [sets, setSets] = useState<ProbeSetInfo[] | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);
  // Any job that ends (an import, or a resumed one) may have changed the probe sets.
  const lastEnded = Math.max(0, ...runner.runs.map((r) => r.endedAt ?? 0));

  const reload = useCallback(async () => {
    try {
      const list = await api.call('probe.list', {});
      setSets(list);
      setSelection((sel) => sel ?? (list.length ? { kind: 'set', id: list[0].id } : { kind: 'add' }));
    } catch (e) {
      reportError(e, 'Cannot list probe sets');
      setSelection((sel) => sel ?? { kind: 'add' });
    }
  }, [api, reportError]);

  useEffect(() => {
    void reload();
  }, [reload, lastEnded]);

  // A folder dropped on the window (Electron) lands in the import form.
  useEffect(() => {
    if (droppedRoot) setSelection({ kind: 'add' });
  }, [droppedRoot]);
  useEffect(() => {
    if (focusRequest?.target === 'import-root') setSelection({ kind: 'add' });
  }, [focusRequest]);

  const selected = selection?.kind === 'set' ? sets?.find((s) => s.id === selection.id) : undefined;
  return (
    <div className="split">
      <ProbeSetList
        sets={sets}
        selectedId={selection?.kind === 'set' ? selection.id : null}
        adding={selection?.kind === 'add'}
        onSelect={(id) => setSelection({ kind: 'set', id })}
        onAdd={() => setSelection({ kind: 'add' })}
      />
      <div className="split-main">
        {selection?.kind === 'add' && <ImportPanel onShow={(id) => setSelection({ kind: 'set', id })} />}
        {selected && <ProbeSetView key={`${selected.id}:${selected.images}:${selected.manifestHash ?? ''}`} set={selected} />}
      </div>
    </div>
  );
}
