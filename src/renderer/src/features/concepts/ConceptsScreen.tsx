import { useState } from 'react';
import { ConceptSetsPanel } from './ConceptSetsPanel';
import { EncodersPanel } from './EncodersPanel';

type Tab = 'encoders' | 'sets';

/** Concepts: image-text encoders (add, tokenize, calibrate) and concept sets (make, view, top-5 filter). */
export function ConceptsScreen() {
  const [tab, setTab] = useState<Tab>('encoders');
  return (
    <div className="stack concepts-screen" data-testid="concepts-screen">
      <div className="card-head">
        <h1>Concepts</h1>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'encoders'} className={`tab${tab === 'encoders' ? ' active' : ''}`} onClick={() => setTab('encoders')} data-testid="concepts-tab-encoders">
            Encoders
          </button>
          <button type="button" role="tab" aria-selected={tab === 'sets'} className={`tab${tab === 'sets' ? ' active' : ''}`} onClick={() => setTab('sets')} data-testid="concepts-tab-sets">
            Concept sets
          </button>
        </div>
      </div>
      {tab === 'encoders' ? <EncodersPanel /> : <ConceptSetsPanel />}
    </div>
  );
}
