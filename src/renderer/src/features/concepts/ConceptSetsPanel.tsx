import { useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { ConceptSetActions } from './ConceptSetActions';
import { ConceptSetTable } from './ConceptSetTable';
import { ConceptSetView } from './ConceptSetView';
import { FilterPanel } from './FilterPanel';
import { useEncoders } from './useEncoders';

/** Concept sets tab: the list, ways to make one, one set's concepts and its top-5 filter. */
export function ConceptSetsPanel({ openId, onOpen }: { openId: number | null; onOpen: (conceptSetId: number) => void }) {
  // Re-read when a set is made or filtered (the concepts feature is invalidated).
  const sets = useContractQuery('conceptSet.list', {});
  const probeSets = useContractQuery('probe.list', {});
  const encoders = useEncoders();
  const [ticked, setTicked] = useState<number[]>([]);
  const open = sets.data?.find((s) => s.id === openId);

  return (
    <div className="stack" data-testid="conceptsets-panel">
      <section className="card">
        <h3>Concept sets</h3>
        <ErrorBox error={sets.error} />
        {sets.data && <ConceptSetTable sets={sets.data} openId={openId} ticked={ticked} onOpen={onOpen} onTick={setTicked} />}
      </section>
      <section className="card">
        <h3>New concept set</h3>
        <ConceptSetActions probeSets={probeSets.data ?? []} ticked={ticked} onMade={(s) => onOpen(s.id)} />
      </section>
      {open && (
        <section className="card" key={open.id}>
          <ConceptSetView conceptSetId={open.id} />
          <h4>Top-5 filter</h4>
          <FilterPanel set={open} encoders={encoders.data ?? []} probeSets={probeSets.data ?? []} />
        </section>
      )}
    </div>
  );
}
