import { createHashRouter, useRouterRoute, type NavigateOptions } from './lib/router';
import { ablationRoute, type AblationRoute } from './features/ablation/route';
import { compareRoute, type CompareRoute } from './features/compare/route';
import { conceptsRoute, type ConceptsRoute } from './features/concepts/route';
import { dissectRoute, type DissectRoute } from './features/dissect/route';
import { explanationsRoute, type ExplanationsRoute } from './features/explanations/route';
import { generativeRoute, type GenerativeRoute } from './features/describers/route';
import { jobsRoute, type JobsRoute } from './features/jobs/route';
import { modelsRoute, type ModelsRoute } from './features/models/route';
import { probesRoute, type ProbesRoute } from './features/probes/route';
import { projectRoute, type ProjectRoute } from './features/project/route';
import { ratingsRoute, type RatingsRoute } from './features/ratings/route';
import { reportRoute, type ReportRoute } from './features/reports/route';

// Every address of the app: one route type per feature (features/<f>/route.ts: its views, how they are parsed from
// and written to the fragment), merged here. The fragment reads #/<screen>/<the feature's segments>, optionally
// followed by ?<query words> (a screen with many independent choices, like the report's); an address that names
// nothing known shows the screen's default view (or the Project screen).

export type Route =
  | ProjectRoute
  | ProbesRoute
  | JobsRoute
  | ModelsRoute
  | ConceptsRoute
  | ExplanationsRoute
  | AblationRoute
  | ReportRoute
  | GenerativeRoute
  | DissectRoute
  | CompareRoute
  | RatingsRoute;
export type ScreenId = Route['screen'];
export type RouteOf<S extends ScreenId> = Extract<Route, { screen: S }>;
export type { NavigateOptions };

interface RouteDef<R extends Route> {
  /** The screen's default view (what its navigation entry opens first). */
  home: R;
  /** The route of the segments after the screen's name (and the words after `?`); null when they name nothing. */
  parse(segments: string[], query: URLSearchParams): R | null;
  format(route: R): string[];
  /** Query words written after `?` (name, value), in order. */
  query?(route: R): Array<[string, string]>;
  /** What to come back to when the screen is opened again from the navigation (default: the route itself). */
  remember?(route: R): R;
}

const ROUTES: { [S in ScreenId]: RouteDef<RouteOf<S>> } = {
  project: projectRoute,
  probes: probesRoute,
  models: modelsRoute,
  concepts: conceptsRoute,
  explanations: explanationsRoute,
  ablation: ablationRoute,
  report: reportRoute,
  generative: generativeRoute,
  dissect: dissectRoute,
  compare: compareRoute,
  ratings: ratingsRoute,
  jobs: jobsRoute,
};

function defOf<S extends ScreenId>(screen: S): RouteDef<RouteOf<S>> {
  return ROUTES[screen];
}

function isScreen(s: string | undefined): s is ScreenId {
  return s !== undefined && Object.prototype.hasOwnProperty.call(ROUTES, s);
}

export function parseRoute(address: string): Route {
  const q = address.indexOf('?');
  const path = q < 0 ? address : address.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : address.slice(q + 1));
  const [screen, ...rest] = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  if (!isScreen(screen)) return projectRoute.home;
  const def = defOf(screen) as RouteDef<Route>;
  return def.parse(rest, query) ?? def.home;
}

/** A query value as it reads in the address: commas and colons stay (top:20, 3,17,42). */
const queryValue = (v: string) => encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%3A/gi, ':');

export function formatRoute(route: Route): string {
  const def = defOf(route.screen) as RouteDef<Route>;
  const path = `/${[route.screen, ...def.format(route)].map(encodeURIComponent).join('/')}`;
  const words = def.query?.(route) ?? [];
  return words.length ? `${path}?${words.map(([k, v]) => `${encodeURIComponent(k)}=${queryValue(v)}`).join('&')}` : path;
}

export function homeOf<S extends ScreenId>(screen: S): RouteOf<S> {
  return defOf(screen).home;
}

/** The route to return to when `route`'s screen is opened again from the navigation. */
export function rememberedRoute(route: Route): Route {
  const def = defOf(route.screen) as RouteDef<Route>;
  return def.remember ? def.remember(route) : route;
}

export const router = createHashRouter(parseRoute, formatRoute);

/** The route shown now. */
export function useRoute(): Route {
  return useRouterRoute(router);
}

/** The route of `screen` (its default view while another screen is shown). */
export function useScreenRoute<S extends ScreenId>(screen: S): RouteOf<S> {
  const route = useRoute();
  return route.screen === screen ? (route as RouteOf<S>) : homeOf(screen);
}
