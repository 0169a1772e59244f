import './describers.css';
import { ErrorBox } from '../../components/ErrorBox';
import { NeedsProject } from '../../components/NeedsProject';
import { useApp } from '../../lib/appContext';
import { useContractQuery } from '../../lib/query';
import { useScreenRoute } from '../../routes';
import { AddDescriberForm } from './AddDescriberForm';
import { CaptionTry } from './CaptionTry';
import { CompleteTry } from './CompleteTry';
import { DescriberList } from './DescriberList';
import { GenerateTry } from './GenerateTry';
import type { GenerativeRole } from './route';
import { ROLES, type DescriberInfo } from './types';

const ORDER: GenerativeRole[] = ['captioner', 'language_model', 'image_generator', 'text_embedder'];

/** What each role's Try panel makes; NeedsProject names it when no project is open (results are cached in the project). */
const MADE: Record<GenerativeRole, string> = {
  captioner: 'Captions',
  language_model: 'Answers',
  image_generator: 'Generated images',
  text_embedder: 'Label similarity',
};

function TryPanel({ model }: { model: DescriberInfo }) {
  const { project } = useApp();
  if (!project) return <NeedsProject screen={MADE[model.role]} />;
  if (model.role === 'captioner') return <CaptionTry key={model.id} model={model} />;
  if (model.role === 'language_model') return <CompleteTry key={model.id} model={model} />;
  if (model.role === 'text_embedder')
    return (
      <p className="hint">Used by Compare methods → Label similarity (final-layer labels against class names); nothing to try here.</p>
    );
  return <GenerateTry key={model.id} model={model} />;
}

/**
 * Generative models: the app-wide library of the three roles Describe-and-Dissect runs (a captioner, a language
 * model, an image generator), one tab each: its models with status, Check and Remove, the add form, and a Try panel
 * for the selected model (needs a project: what it makes is cached there).
 */
export function GenerativeScreen() {
  const { navigate } = useApp();
  const route = useScreenRoute('generative');
  const all = useContractQuery('describer.list', {});
  const models = (all.data ?? []).filter((d) => d.role === route.role);
  const selected = models.find((d) => d.id === route.describerId) ?? models[0];
  const text = ROLES[route.role];
  const select = (describerId: number) => navigate({ screen: 'generative', role: route.role, describerId });

  return (
    <div className="stack generative-screen" data-testid="generative-screen" data-role={route.role}>
      <div className="card-head">
        <h1>Generative models</h1>
        <div className="tabs" role="tablist">
          {ORDER.map((role) => {
            const n = (all.data ?? []).filter((d) => d.role === role).length;
            return (
              <button
                key={role}
                type="button"
                role="tab"
                aria-selected={role === route.role}
                className={`tab${role === route.role ? ' active' : ''}`}
                onClick={() => navigate({ screen: 'generative', role })}
                data-testid={`generative-tab-${role}`}
              >
                {ROLES[role].tab} {n > 0 && <span className="badge">{n}</span>}
              </button>
            );
          })}
        </div>
      </div>
      <section className="card" data-testid="describer-library">
        <h3>{text.title}</h3>
        <p className="hint">
          {text.about} The library is shared by all projects on this machine; what the models make is cached in the open project.
        </p>
        <ErrorBox error={all.error} />
        {all.data && <DescriberList models={models} selectedId={selected?.id ?? null} onSelect={select} />}
      </section>
      <section className="card">
        <h3>Add {text.addTitle}</h3>
        <AddDescriberForm
          key={route.role}
          role={route.role}
          onAdded={(d) => navigate({ screen: 'generative', role: d.role, describerId: d.id })}
        />
      </section>
      {selected && (
        <section className="card" data-testid="try-panel" data-role={route.role} data-id={selected.id} data-name={selected.name}>
          <h3>
            Try {selected.name} <span className="hint mono">{selected.path ?? selected.endpoint?.baseUrl}</span>
          </h3>
          {selected.status !== 'ok' && <p className="warn-text">This model is {selected.status}: trying it will fail until it is fixed.</p>}
          <TryPanel model={selected} />
        </section>
      )}
    </div>
  );
}
