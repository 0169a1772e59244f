import { useCallback, useEffect, useState } from 'react';
import type { Preprocessing, ProviderName } from '../../../../shared/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery, useSetQueryData } from '../../lib/query';
import type { NavigateOptions } from '../../routes';
import type { ModelsRoute, ModelTab } from './route';
import { ActivationsSection } from './ActivationsSection';
import { ExtractPanel } from './ExtractPanel';
import { LayersTable } from './LayersTable';
import { StatusBadge } from './ModelList';
import { ModelOverview } from './ModelOverview';
import { PreprocessEditor } from './PreprocessEditor';
import { PreviewPanel } from './PreviewPanel';

const NO_LAYERS: never[] = [];

const PRE_KIND = { metadata: 'from the file', guess: 'guessed', set: 'set by you' } as const;

const TABS: ReadonlyArray<{ id: ModelTab; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'layers', label: 'Layers' },
  { id: 'preprocessing', label: 'Preprocessing' },
  { id: 'activations', label: 'Extract & neurons' },
];

export type ModelRoute = Extract<ModelsRoute, { view: 'model' }>;
/** Go to another part of this model's page (the tab, the activation set, the neuron). */
export type GoModel = (to: Omit<ModelRoute, 'screen' | 'view' | 'modelId'>, options?: NavigateOptions) => void;

/** One model: overview, layers, preprocessing (+ preview) and extraction/neuron stats, as tabs. */
export function ModelView({ route, onRemoved }: { route: ModelRoute; onRemoved: () => void }) {
  const { navigate } = useApp();
  const { modelId, tab } = route;
  const go = useCallback<GoModel>(
    (to, options) => navigate({ screen: 'models', view: 'model', modelId, ...to }, options),
    [navigate, modelId],
  );
  const info = useContractQuery('model.info', { modelId });
  const sets = useContractQuery('probe.list', {});
  const setQueryData = useSetQueryData();
  const [layer, setLayer] = useState<string | null>(null);
  const [provider, setProvider] = useState<ProviderName | null>(null);
  const [draft, setDraft] = useState<Preprocessing | null>(null);
  const model = info.data?.model ?? null;
  const layers = info.data?.layers ?? NO_LAYERS;
  const probeSets = sets.data ?? [];
  const error = info.error ?? sets.error;

  // The suggested layer is preselected for extraction.
  useEffect(() => {
    if (info.data) setLayer((l) => l ?? info.data?.layers.find((x) => x.suggested)?.tensorName ?? null);
  }, [info.data]);

  // The saved values show at once; the models feature's invalidation re-reads the rest.
  const onSaved = useCallback(
    (p: Preprocessing) =>
      setQueryData('model.info', { modelId }, (old) => (old ? { ...old, model: { ...old.model, preprocessing: p } } : old)),
    [setQueryData, modelId],
  );

  if (error && !model) return <ErrorBox error={error} testId="model-error" />;
  if (!model) return <p className="hint">Loading the model…</p>;
  return (
    <div className="model-view" data-testid="model-view" data-name={model.name} data-status={model.status}>
      <header className="probe-head">
        <div>
          <h2>
            {model.name} <StatusBadge status={model.status} />
          </h2>
          <p className="mono hint" title="The file this model refers to">
            {model.path}
          </p>
        </div>
        <dl className="stat-row">
          <div className="stat">
            <dt>input</dt>
            <dd>
              {model.info.channels}×{model.info.height ?? '?'}×{model.info.width ?? '?'}
            </dd>
          </div>
          <div className="stat">
            <dt>layers</dt>
            <dd data-testid="model-layers">{layers.length}</dd>
          </div>
          <div className="stat">
            <dt>opset</dt>
            <dd>{model.info.opset}</dd>
          </div>
          <div className={`stat${model.preprocessingSource.kind === 'guess' ? ' warn' : ''}`}>
            <dt>preprocessing</dt>
            <dd data-testid="model-pre-kind" data-kind={model.preprocessingSource.kind}>
              <button type="button" className="link" onClick={() => go({ tab: 'preprocessing' })} title={model.preprocessingSource.detail}>
                {PRE_KIND[model.preprocessingSource.kind]}
              </button>
            </dd>
          </div>
        </dl>
      </header>
      {model.preprocessingSource.kind === 'guess' && (
        <div className="banner banner-warn" role="status" data-testid="model-pre-guess">
          <span>
            Preprocessing is{' '}
            {model.preprocessingSource.detail
              .replace(/ \(model\.inputStats[^)]*\)/, '')
              .replace(' and fix it with model.setPreprocessing', '')}
            {tab === 'preprocessing' ? ' The input statistics on the right show what the model receives.' : ''}
          </span>
          {tab !== 'preprocessing' && (
            <button type="button" onClick={() => go({ tab: 'preprocessing' })} data-testid="model-pre-check">
              Check preprocessing
            </button>
          )}
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Model sections">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`tab${tab === t.id ? ' active' : ''}`}
            onClick={() => go({ tab: t.id })}
            data-testid={`model-tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="tab-panel" data-testid={`model-panel-${tab}`}>
        {tab === 'overview' && <ModelOverview model={model} provider={provider} onProvider={setProvider} onRemoved={onRemoved} />}
        {tab === 'layers' && (
          <LayersTable
            layers={layers}
            selected={layer}
            onSelect={setLayer}
            onExtract={(t) => {
              setLayer(t);
              go({ tab: 'activations' });
            }}
          />
        )}
        {tab === 'preprocessing' && (
          <div className="pre-layout">
            <div className="stack">
              {model.preprocessingSource.kind !== 'guess' && (
                <p className="hint" data-testid="model-pre-source">
                  Preprocessing {model.preprocessingSource.detail}.
                </p>
              )}
              <PreprocessEditor model={model} onSaved={onSaved} onDraft={setDraft} />
            </div>
            <PreviewPanel modelId={model.id} probeSets={probeSets} options={draft} />
          </div>
        )}
        {tab === 'activations' && (
          <div className="stack wide">
            <ExtractPanel model={model} layers={layers} layer={layer} onLayer={setLayer} probeSets={probeSets} provider={provider} />
            <ActivationsSection
              modelId={model.id}
              modelName={model.name}
              layers={layers}
              probeSets={probeSets}
              setId={route.setId ?? null}
              neuron={route.neuron ?? null}
              go={go}
            />
          </div>
        )}
      </div>
    </div>
  );
}
