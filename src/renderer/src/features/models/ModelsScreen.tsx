import './models.css';
import { useEffect } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { AddModelForm } from './AddModelForm';
import { ModelList } from './ModelList';
import { ModelView } from './ModelView';

/** Models: the project's ONNX files (list with file status), adding one, and one model's pages. */
export function ModelsScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('models');
  // Re-read on every visit (a moved or changed file shows at once) and after adding, changing or removing a model.
  const list = useContractQuery('model.list', {});
  const models = list.data;

  // The default view (#/models, also after a removal) becomes the first model, or the add form when there is none.
  useEffect(() => {
    if (route.view !== 'default') return;
    if (list.error) navigate({ screen: 'models', view: 'add' }, { replace: true });
    else if (models && !list.loading)
      navigate(
        models.length ? { screen: 'models', view: 'model', modelId: models[0].id, tab: 'overview' } : { screen: 'models', view: 'add' },
        { replace: true },
      );
  }, [route.view, models, list.error, list.loading, navigate]);

  return (
    <div className="split">
      <ModelList
        models={models}
        selectedId={route.view === 'model' ? route.modelId : null}
        adding={route.view === 'add'}
        onSelect={(id) => navigate({ screen: 'models', view: 'model', modelId: id, tab: 'overview' })}
        onAdd={() => navigate({ screen: 'models', view: 'add' })}
      />
      <div className="split-main">
        <ErrorBox error={list.error} />
        {route.view === 'add' && (
          <AddModelForm onAdded={(m) => navigate({ screen: 'models', view: 'model', modelId: m.id, tab: 'overview' })} />
        )}
        {route.view === 'model' && (
          <ModelView
            key={route.modelId}
            route={route}
            onRemoved={() => navigate({ screen: 'models', view: 'default' }, { replace: true })}
          />
        )}
      </div>
    </div>
  );
}
