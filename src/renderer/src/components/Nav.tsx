import type { ScreenId } from '../routes';
import type { NavItem } from '../nav';

export function Nav({
  items,
  current,
  hasProject,
  onSelect,
}: {
  items: readonly NavItem[];
  current: ScreenId;
  hasProject: boolean;
  onSelect: (id: ScreenId) => void;
}) {
  return (
    <nav className="nav" aria-label="Main">
      <ul>
        {items.map((item, i) => (
          <li key={item.id}>
            <button
              type="button"
              className={`nav-item${item.id === current ? ' active' : ''}${item.needsProject && !hasProject ? ' muted' : ''}`}
              aria-current={item.id === current ? 'page' : undefined}
              title={`${item.description}${i < 9 ? ` (Alt+${i + 1})` : ''}`}
              data-testid={`nav-${item.id}`}
              onClick={() => onSelect(item.id)}
            >
              {item.label}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
