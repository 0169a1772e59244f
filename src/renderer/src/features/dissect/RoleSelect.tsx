import type { DescriberInfo } from '../../../../shared/contract';
import { router } from '../../routes';

type Role = DescriberInfo['role'];

const ROLE_WORDS: Record<Role, { name: string; a: string }> = {
  captioner: { name: 'Captioner', a: 'a captioner' },
  language_model: { name: 'Language model', a: 'a language model' },
  image_generator: { name: 'Image generator', a: 'an image generator' },
  text_embedder: { name: 'Text embedder', a: 'a text embedder' },
};

/**
 * One generative model of a role from the app-wide library (describer.list); when the library has none, a link to the
 * Generative models screen's tab for that role. Models that are missing or changed are listed but cannot be chosen.
 */
export function RoleSelect({
  role,
  models,
  value,
  onChange,
  disabled,
  why,
}: {
  role: Role;
  models: DescriberInfo[];
  value: number | null;
  onChange: (id: number | null) => void;
  /** The stage that uses it is switched off. */
  disabled: boolean;
  /** What it does in DnD. */
  why: string;
}) {
  const mine = models.filter((m) => m.role === role);
  const words = ROLE_WORDS[role];
  return (
    <div className="try-field role-select" data-testid={`dnd-model-${role}`} data-disabled={disabled}>
      <span>
        {words.name} <span className="hint">({why})</span>
      </span>
      {mine.length === 0 ? (
        <span className={disabled ? 'hint' : 'warn-text'} data-testid={`dnd-model-${role}-missing`}>
          No {words.name.toLowerCase()} in the library:{' '}
          <a href={router.href({ screen: 'generative', role })} data-testid={`dnd-model-${role}-add`}>
            add {words.a} on the Generative models screen
          </a>
          {disabled ? ' (not needed while its stage is off)' : ''}.
        </span>
      ) : (
        <select
          value={value ?? ''}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
          data-testid={`dnd-model-${role}-select`}
        >
          <option value="">— choose {words.a} —</option>
          {mine.map((m) => (
            <option key={m.id} value={m.id} disabled={m.status !== 'ok'}>
              {m.name}
              {m.status !== 'ok' ? ` (${m.status})` : ''}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
