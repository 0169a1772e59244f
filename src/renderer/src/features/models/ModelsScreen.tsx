import { useCallback, useEffect, useState } from 'react';
import type { ModelSummary } from '../../../../shared/contract';
import { useApp } from '../../lib/appContext';
import { AddModelForm } from './AddModelForm';
import { ModelList } from './ModelList';
import { ModelView } from './ModelView';

type Selection = { kind: 'add' } | { kind: 'model'; id: number };

/** Models: the project's ONNX files (list with file status), adding one, and one model's pages. */
export function ModelsScreen() {
  const { api, reportError } = useApp();
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);

  const reload = useCallback(async () => {
    try {
      const list = await api.call('model.list', {});
      setModels(list);
      setSelection((sel) => {
        if (sel?.kind === 'model' && list.some((m) => m.id === sel.id)) return sel;
        if (sel?.kind === 'add') return sel;
        return list.length ? { kind: 'model', id: list[0].id } : { kind: 'add' };
      });
    } catch (e) {
      reportError(e, 'Cannot list models');
      setSelection((sel) => sel ?? { kind: 'add' });
    }
  }, [api, reportError]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <div className="split">
      <ModelList
        models={models}
        selectedId={selection?.kind === 'model' ? selection.id : null}
        adding={selection?.kind === 'add'}
        onSelect={(id) => setSelection({ kind: 'model', id })}
        onAdd={() => setSelection({ kind: 'add' })}
      />
      <div className="split-main">
        {selection?.kind === 'add' && (
          <AddModelForm
            onAdded={(m) => {
              setSelection({ kind: 'model', id: m.id });
              void reload();
            }}
          />
        )}
        {selection?.kind === 'model' && (
          <ModelView
            key={selection.id}
            modelId={selection.id}
            onChanged={() => void reload()}
            onRemoved={() => {
              setSelection(null);
              void reload();
            }}
          />
        )}
      </div>
    </div>
  );
}
