import { idParam } from '../../lib/router';

// Ablation: #/ablation (the newest run, or the wizard), #/ablation/new (the wizard), #/ablation/run/3 (an ablation
// or Top Impact run with the layer's Top Impact panel).
export type AblationRoute =
  { screen: 'ablation'; view: 'default' } | { screen: 'ablation'; view: 'new' } | { screen: 'ablation'; view: 'run'; runId: number };

export const ablationRoute = {
  home: { screen: 'ablation', view: 'default' } as AblationRoute,
  parse([a, b]: string[]): AblationRoute | null {
    if (a === undefined) return { screen: 'ablation', view: 'default' };
    if (a === 'new') return { screen: 'ablation', view: 'new' };
    const runId = a === 'run' ? idParam(b) : undefined;
    return runId === undefined ? null : { screen: 'ablation', view: 'run', runId };
  },
  format(r: AblationRoute): string[] {
    if (r.view === 'default') return [];
    if (r.view === 'new') return ['new'];
    return ['run', String(r.runId)];
  },
  /** The wizard keeps its steps in memory only: coming back to the screen shows its default view instead. */
  remember: (r: AblationRoute): AblationRoute => (r.view === 'new' ? { screen: 'ablation', view: 'default' } : r),
};
