import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { ImportPanel } from './ImportPanel';
import { ProbeSetList } from './ProbeSetList';
import { ProbeSetView } from './ProbeSetView';

type Selection = { kind: 'add' } | { kind: 'set'; id: number };

/** Probe sets: the project's image folders (list), adding one (import job), and one set's contents. */
export function ProbeSetsScreen() {
  const { droppedRoot, focusRequest } = useApp();
  // Refetched when an import (or a resumed job) ends: the job store invalidates the probes feature.
  const list = useContractQuery('probe.list', {});
  const sets = list.data;
  const [selection, setSelection] = useState<Selection | null>(null);

  // Until the user chooses: the first probe set, or the import form when there is none (or the list fails).
  useEffect(() => {
    if (list.error) setSelection((sel) => sel ?? { kind: 'add' });
    else if (sets && !list.loading) setSelection((sel) => sel ?? (sets.length ? { kind: 'set', id: sets[0].id } : { kind: 'add' }));
  }, [sets, list.error, list.loading]);

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
        <ErrorBox error={list.error} />
        {selection?.kind === 'add' && <ImportPanel onShow={(id) => setSelection({ kind: 'set', id })} />}
        {selected && <ProbeSetView key={`${selected.id}:${selected.images}:${selected.manifestHash ?? ''}`} set={selected} />}
      </div>
    </div>
  );
}
