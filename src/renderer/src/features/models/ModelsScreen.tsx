import { useEffect, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useContractQuery } from '../../lib/query';
import { AddModelForm } from './AddModelForm';
import { ModelList } from './ModelList';
import { ModelView } from './ModelView';

type Selection = { kind: 'add' } | { kind: 'model'; id: number };

/** Models: the project's ONNX files (list with file status), adding one, and one model's pages. */
export function ModelsScreen() {
  // Re-read on every visit (a moved or changed file shows at once) and after adding, changing or removing a model.
  const list = useContractQuery('model.list', {});
  const models = list.data;
  const [selection, setSelection] = useState<Selection | null>(null);

  // Until the user chooses (or after a removal): the first model, or the add form when there is none.
  useEffect(() => {
    if (list.error) setSelection((sel) => sel ?? { kind: 'add' });
    if (!models || list.loading) return;
    setSelection((sel) => {
      if (sel?.kind === 'model' && models.some((m) => m.id === sel.id)) return sel;
      if (sel?.kind === 'add') return sel;
      return models.length ? { kind: 'model', id: models[0].id } : { kind: 'add' };
    });
  }, [models, list.loading, list.error]);

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
        <ErrorBox error={list.error} />
        {selection?.kind === 'add' && <AddModelForm onAdded={(m) => setSelection({ kind: 'model', id: m.id })} />}
        {selection?.kind === 'model' && <ModelView key={selection.id} modelId={selection.id} onRemoved={() => setSelection(null)} />}
      </div>
    </div>
  );
}
