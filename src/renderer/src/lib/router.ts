import { useSyncExternalStore } from 'react';

// A small hash router: the address's fragment (#/explanations/run/3/neuron/42) is the one source of what the app
// shows, so a view survives a reload, can be linked to, and Back / Forward step through views. The fragment
// works the same in the browser (served page) and in Electron (a file:// page). The route type and its
// parse / format functions come from the app (routes.ts); this file only keeps the address and React in step.

export interface NavigateOptions {
  /** Replace the current history entry instead of adding one (the app's own corrections, e.g. a default view). */
  replace?: boolean;
}

export interface Router<R> {
  /** The route the address shows now. */
  current(): R;
  subscribe(listener: () => void): () => void;
  navigate(route: R, options?: NavigateOptions): void;
  /** The href of a route, for links. */
  href(route: R): string;
}

/** The path part of the fragment: "#/models/2" -> "/models/2". */
function currentPath(): string {
  return window.location.hash.replace(/^#/, '');
}

export function createHashRouter<R>(parse: (path: string) => R, format: (route: R) => string): Router<R> {
  const listeners = new Set<() => void>();
  // Parsed lazily: the start-up code reads (and removes) the access token from the fragment before the first route.
  let path: string | null = null;
  let route: R | null = null;

  const read = (): R => {
    const p = currentPath();
    if (route === null || p !== path) {
      path = p;
      route = parse(p);
    }
    return route;
  };
  const emit = () => listeners.forEach((l) => l());
  // Back / Forward and typed addresses: both events can fire for one step; read() makes the second a no-op.
  const onAddressChange = () => {
    const before = route;
    if (read() !== before) emit();
  };

  return {
    current: read,
    subscribe(listener) {
      if (listeners.size === 0) {
        window.addEventListener('hashchange', onAddressChange);
        window.addEventListener('popstate', onAddressChange);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          window.removeEventListener('hashchange', onAddressChange);
          window.removeEventListener('popstate', onAddressChange);
        }
      };
    },
    navigate(next, options = {}) {
      const target = format(next);
      if (target === currentPath()) return;
      // history.pushState / replaceState change the fragment without a hashchange event: notify here.
      if (options.replace) window.history.replaceState(window.history.state, '', `#${target}`);
      else window.history.pushState(null, '', `#${target}`);
      onAddressChange();
    },
    href: (r) => `#${format(r)}`,
  };
}

/** The router's current route, re-rendering when it changes. */
export function useRouterRoute<R>(router: Router<R>): R {
  return useSyncExternalStore(router.subscribe, router.current);
}

/** A positive row id from a path segment ("3"), or undefined. */
export function idParam(segment: string | undefined): number | undefined {
  return segment !== undefined && /^[1-9]\d{0,14}$/.test(segment) ? Number(segment) : undefined;
}

/** A neuron index (0, 1, ...) from a path segment, or undefined. */
export function indexParam(segment: string | undefined): number | undefined {
  return segment !== undefined && /^(0|[1-9]\d{0,14})$/.test(segment) ? Number(segment) : undefined;
}
