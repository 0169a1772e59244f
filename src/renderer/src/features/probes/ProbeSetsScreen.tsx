import './probes.css';
import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { ImportPanel } from './ImportPanel';
import { ProbeSetList } from './ProbeSetList';
import { ProbeSetView } from './ProbeSetView';

/** Probe sets: the project's image folders (list), adding one (import job), and one set's contents. */
export function ProbeSetsScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('probes');
  // Refetched when an import (or a resumed job) ends: the job store invalidates the probes feature.
  const list = useContractQuery('probe.list', {});
  const sets = list.data;

  // The default view (#/probes) becomes the first probe set, or the import form when there is none (or the list fails).
  useEffect(() => {
    if (route.view !== 'default') return;
    if (list.error) navigate({ screen: 'probes', view: 'add' }, { replace: true });
    else if (sets && !list.loading)
      navigate(sets.length ? { screen: 'probes', view: 'set', probeSetId: sets[0].id } : { screen: 'probes', view: 'add' }, {
        replace: true,
      });
  }, [route.view, sets, list.error, list.loading, navigate]);

  const selected = route.view === 'set' ? sets?.find((s) => s.id === route.probeSetId) : undefined;
  return (
    <div className="split">
      <ProbeSetList
        sets={sets}
        selectedId={route.view === 'set' ? route.probeSetId : null}
        adding={route.view === 'add'}
        onSelect={(id) => navigate({ screen: 'probes', view: 'set', probeSetId: id })}
        onAdd={() => navigate({ screen: 'probes', view: 'add' })}
      />
      <div className="split-main">
        <ErrorBox error={list.error} />
        {route.view === 'add' && <ImportPanel onShow={(id) => navigate({ screen: 'probes', view: 'set', probeSetId: id })} />}
        {route.view === 'set' && sets && !selected && !list.loading && (
          <p className="hint" data-testid="probeset-missing">
            Probe set {route.probeSetId} is not in this project.
          </p>
        )}
        {selected && (
          <ProbeSetView
            key={`${selected.id}:${selected.images}:${selected.manifestHash ?? ''}`}
            set={selected}
            labelId={route.view === 'set' ? (route.labelId ?? null) : null}
            onFilter={(labelId) =>
              navigate({ screen: 'probes', view: 'set', probeSetId: selected.id, ...(labelId !== null ? { labelId } : {}) })
            }
          />
        )}
      </div>
    </div>
  );
}
