import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { Session } from './Root';
import { createQueryClient, invalidateFeatures, JOB_CHANGES } from './lib/query';
import { ImportResult } from '../../shared/contract';
import { AppContext, type AppContextValue, type FocusRequest, type FocusTarget, type ToastInput } from './lib/appContext';
import { toShownError } from './lib/errors';
import { HeaderJobs, JobStore, JobStoreContext, type RunState, type StartOptions } from './features/jobs';
import type { ProjectInfo } from './lib/types';
import { NAV_ITEMS, navItem } from './nav';
import { homeOf, rememberedRoute, router, useRoute, type NavigateOptions, type Route, type ScreenId } from './routes';
import { Header } from './components/Header';
import { Nav } from './components/Nav';
import { Toasts, type Toast } from './components/Toasts';
import { ShortcutSheet } from './components/ShortcutSheet';
import { DropOverlay } from './components/DropOverlay';
import { NeedsProject } from './components/NeedsProject';
import { offerDroppedFolder } from './features/probes';
import { closeJumpBox, JumpBoxHost, toggleJumpBox } from './features/explanations';
import { useShortcuts } from './lib/useShortcuts';
import { useTheme } from './lib/theme';
import { useMenuActions } from './lib/useMenuActions';
import type { PickKind } from '../../shared/bridge';

/** One line about a finished job's output: import counts when it is (or resumed) an import. */
function describeOutput(output: unknown): string {
  const direct = ImportResult.safeParse(output);
  const nested = direct.success ? direct : ImportResult.safeParse((output as { result?: unknown } | null)?.result);
  if (!nested.success) return 'Done.';
  const r = nested.data;
  return `${r.images.toLocaleString('en-US')} images: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.removed} removed, ${r.skipped} skipped (${r.seconds.toFixed(1)} s).`;
}

/** The generic toast when a job ends. */
function settledToast(run: RunState): ToastInput | null {
  if (run.status === 'failed' && run.error)
    return { kind: 'error', title: `${run.title} failed`, message: run.error.message, hint: run.error.hint };
  if (run.status === 'cancelled') return { kind: 'info', title: `${run.title} cancelled`, message: 'Resume it from the Jobs screen.' };
  if (run.status === 'interrupted')
    return {
      kind: 'error',
      title: `${run.title} interrupted`,
      message: 'The connection to the backend closed while it ran.',
      hint: 'Restart the backend, open the project and resume the job from the Jobs screen.',
    };
  if (run.status === 'done') return { kind: 'success', title: `${run.title} finished`, message: describeOutput(run.output) };
  return null;
}

export function App({ session, lostReason }: { session: Session; lostReason: string | null }) {
  const { api, info } = session;
  const [project, setProject] = useState<ProjectInfo | null>(session.project);
  const route = useRoute();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [sheetOpen, setSheetOpen] = useState(false);
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>(null);
  const [droppedRoot, setDroppedRoot] = useState<string | null>(null);
  const [theme, setTheme] = useTheme();
  const nextToast = useRef(1);

  const dismissToast = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const notify = useCallback(
    (t: ToastInput) => {
      const id = nextToast.current++;
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      if (t.kind !== 'error') window.setTimeout(() => dismissToast(id), 6000);
    },
    [dismissToast],
  );
  const reportError = useCallback(
    (e: unknown, title?: string) => {
      const s = toShownError(e);
      notify({ kind: 'error', title: title ?? s.title, message: s.message, hint: s.hint });
    },
    [notify],
  );
  const refreshProject = useCallback(async () => {
    try {
      setProject(await api.call('project.current', {}));
    } catch (e) {
      reportError(e, 'Cannot read the open project');
    }
  }, [api, reportError]);

  // Navigation: the address is the state (routes.ts). Each screen's last route is remembered, so its navigation
  // entry opens it where the user left it; a wizard is remembered as its screen's default view.
  const navigate = useCallback((r: Route, options?: NavigateOptions) => router.navigate(r, options), []);
  const remembered = useRef(new Map<ScreenId, Route>());
  useEffect(() => {
    remembered.current.set(route.screen, rememberedRoute(route));
  }, [route]);
  const openScreen = useCallback((s: ScreenId) => router.navigate(remembered.current.get(s) ?? homeOf(s)), []);

  // Another project: its ids mean other things, so no remembered view survives, and the screen shown goes to its
  // default view (a reload keeps the address: the backend still has the same project open).
  const shownPath = useRef(project?.path);
  useEffect(() => {
    if (shownPath.current === project?.path) return;
    shownPath.current = project?.path;
    remembered.current.clear();
    const now = router.current();
    router.navigate(homeOf(now.screen), { replace: true });
  }, [project?.path]);

  const requestFocus = useCallback((target: FocusTarget) => {
    router.navigate(target === 'import-root' ? { screen: 'probes', view: 'add' } : homeOf('project'));
    setFocusRequest((r) => ({ target, seq: (r?.seq ?? 0) + 1 }));
  }, []);

  const ctx = useMemo<AppContextValue>(
    () => ({
      api,
      info,
      project,
      setProject,
      refreshProject,
      navigate,
      openScreen,
      notify,
      reportError,
      focusRequest,
      requestFocus,
      droppedRoot,
      consumeDroppedRoot: () => setDroppedRoot(null),
    }),
    [api, info, project, refreshProject, navigate, openScreen, notify, reportError, focusRequest, requestFocus, droppedRoot],
  );

  useShortcuts({
    openProject: () => requestFocus('open-project'),
    toggleSheet: () => setSheetOpen((o) => !o),
    closeOverlays: () => {
      setSheetOpen(false);
      closeJumpBox();
    },
    jump: () => {
      if (project) toggleJumpBox();
    },
    goTo: (i) => {
      if (NAV_ITEMS[i]) openScreen(NAV_ITEMS[i].id);
    },
  });

  // The one job store: a run's end shows a toast (the run's own, or the generic one) and re-reads the project.
  const [jobs] = useState(() => new JobStore(api));
  const onFolderDropped = useCallback(
    (path: string | null, name: string, entry: FileSystemEntry | null) => {
      if (!project) {
        notify({
          kind: 'error',
          title: 'No project open',
          message: `Cannot import “${name}” yet.`,
          hint: 'Create or open a project first.',
        });
        return;
      }
      if (path) {
        router.navigate({ screen: 'probes', view: 'add' });
        setDroppedRoot(path);
        return;
      }
      if (entry) {
        // Browser mode: the page reads the folder and uploads it next to the project (features/probes/uploadStore.ts).
        router.navigate({ screen: 'probes', view: 'add' });
        offerDroppedFolder(entry, { api, jobs, projectPath: project.path }).catch((e: unknown) =>
          reportError(e, `Cannot upload “${name}”`),
        );
        return;
      }
      requestFocus('import-root'); // opens the import form with its folder field focused
      notify({
        kind: 'info',
        title: 'Type the folder path instead',
        message: `Browsers do not tell web pages where a dropped folder (“${name}”) is on disk.`,
        hint: 'Type its path in the Image folder field, or use Browse… to pick it. The desktop app accepts drops directly.',
      });
    },
    [project, notify, requestFocus, api, jobs, reportError],
  );

  // One query cache per open project: ids restart in every project, so nothing cached survives a switch.
  const queryClient = useMemo(() => createQueryClient(), [project?.path]);
  const queries = useRef(queryClient);
  useEffect(() => {
    queries.current = queryClient;
  }, [queryClient]);
  // When a job ends: its toast, the project's counts, and the queries of what it changed (jobs.list always).
  useEffect(() => {
    const offStarted = jobs.onStarted(() => void invalidateFeatures(queries.current, ['jobs']));
    const offSettled = jobs.onSettled((run: RunState, options: StartOptions) => {
      const toast = options.toast ? options.toast(run) : settledToast(run);
      if (toast) notify(toast);
      void refreshProject();
      const changes = JOB_CHANGES[run.method];
      void invalidateFeatures(queries.current, changes === 'all' ? 'all' : [...changes, 'jobs']);
    });
    return () => {
      offStarted();
      offSettled();
    };
  }, [jobs, notify, refreshProject]);

  // Desktop menu: native dialogs when the shell offers them, otherwise the same forms as Ctrl+O.
  const viaDialog = useCallback(
    (kind: PickKind, fallback: FocusTarget, use: (path: string) => Promise<void> | void) => {
      const pick = window.nwb?.pickPath;
      if (!pick) return requestFocus(fallback);
      pick(kind)
        .then((path) => (path ? use(path) : undefined))
        .catch((e: unknown) => reportError(e));
    },
    [requestFocus, reportError],
  );
  useMenuActions({
    'open-project': () =>
      viaDialog('open-project', 'open-project', async (path) => {
        setProject(await api.call('project.open', { path }));
        router.navigate(homeOf('project'));
      }),
    'new-project': () =>
      viaDialog('new-project', 'new-project', async (path) => {
        setProject(await api.call('project.create', { path }));
        router.navigate(homeOf('project'));
      }),
    'add-probe-folder': () =>
      viaDialog('probe-folder', 'import-root', (path) => {
        router.navigate({ screen: 'probes', view: 'add' });
        setDroppedRoot(path);
      }),
    'close-project': () => {
      api.call('project.close', {}).then(
        () => setProject(null),
        (e: unknown) => reportError(e, 'Cannot close the project'),
      );
    },
  });

  const current = navItem(route.screen);
  const { Screen } = current;
  return (
    <QueryClientProvider client={queryClient}>
      <AppContext.Provider value={ctx}>
        <JobStoreContext.Provider value={jobs}>
          <div className="app">
            <Header theme={theme} onTheme={setTheme} onShortcuts={() => setSheetOpen(true)} jobs={<HeaderJobs />} />
            {lostReason && (
              <div className="banner banner-error" role="alert" data-testid="connection-lost">
                <span>
                  <strong>Disconnected from the backend.</strong> {lostReason} Restart it (<code>npm run web</code>) and open the new link
                  it prints.
                </span>
              </div>
            )}
            <div className="app-body">
              <Nav items={NAV_ITEMS} current={current.id} hasProject={project !== null} onSelect={openScreen} />
              <main className="screen" data-testid={`screen-${current.id}`} aria-label={current.label}>
                {current.needsProject && !project ? <NeedsProject screen={current.label} /> : <Screen key={project?.path ?? 'none'} />}
              </main>
            </div>
            <Toasts toasts={toasts} onDismiss={dismissToast} />
            {sheetOpen && <ShortcutSheet items={NAV_ITEMS} onClose={() => setSheetOpen(false)} />}
            {project && <JumpBoxHost key={project.path} />}
            <DropOverlay onDrop={onFolderDropped} />
          </div>
        </JobStoreContext.Provider>
      </AppContext.Provider>
    </QueryClientProvider>
  );
}
