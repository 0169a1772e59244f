import './concepts.css';
import { useApp } from '../../lib/appContext';
import { useScreenRoute } from '../../routes';
import { ConceptSetsPanel } from './ConceptSetsPanel';
import { EncodersPanel } from './EncodersPanel';

/** Concepts: image-text encoders (add, tokenize, calibrate) and concept sets (make, view, top-5 filter). */
export function ConceptsScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('concepts');
  const tab = route.tab;
  return (
    <div className="stack concepts-screen" data-testid="concepts-screen">
      <div className="card-head">
        <h1>Concepts</h1>
        <div className="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'encoders'}
            className={`tab${tab === 'encoders' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'concepts', tab: 'encoders' })}
            data-testid="concepts-tab-encoders"
          >
            Encoders
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'sets'}
            className={`tab${tab === 'sets' ? ' active' : ''}`}
            onClick={() => navigate({ screen: 'concepts', tab: 'sets' })}
            data-testid="concepts-tab-sets"
          >
            Concept sets
          </button>
        </div>
      </div>
      {route.tab === 'encoders' ? (
        <EncodersPanel
          encoderId={route.encoderId ?? null}
          onSelect={(encoderId) => navigate({ screen: 'concepts', tab: 'encoders', encoderId })}
        />
      ) : (
        <ConceptSetsPanel
          openId={route.conceptSetId ?? null}
          onOpen={(conceptSetId) => navigate({ screen: 'concepts', tab: 'sets', conceptSetId })}
        />
      )}
    </div>
  );
}
