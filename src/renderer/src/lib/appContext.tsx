import { createContext, useContext } from 'react';
import type { Api } from '../api';
import type { NavigateOptions, Route, ScreenId } from '../routes';
import type { AppInfo, ProjectInfo } from './types';

// What every screen needs: the one backend client, the open project, navigation and notifications.

export type ToastKind = 'error' | 'info' | 'success';
export interface ToastInput {
  kind: ToastKind;
  title: string;
  message: string;
  hint?: string;
}

export type FocusTarget = 'open-project' | 'new-project' | 'import-root';
export interface FocusRequest {
  target: FocusTarget;
  seq: number;
}

export interface AppContextValue {
  api: Api;
  info: AppInfo;
  project: ProjectInfo | null;
  /** Re-read project.current (after imports, resumes, opening). */
  refreshProject(): Promise<void>;
  setProject(p: ProjectInfo | null): void;
  /** Show `route` (a new history entry unless `replace`). */
  navigate(route: Route, options?: NavigateOptions): void;
  /** Open a screen where the user left it (its navigation entry). */
  openScreen(screen: ScreenId): void;
  notify(t: ToastInput): void;
  /** Show any thrown value as an error toast: the backend's message plus what to do. */
  reportError(e: unknown, title?: string): void;
  /** Ctrl+O and the app menu ask a form to take focus; `seq` makes repeated requests distinct. */
  focusRequest: FocusRequest | null;
  requestFocus(target: FocusTarget): void;
  /** A folder path dropped onto the window (Electron) waiting for the Probe sets screen. */
  droppedRoot: string | null;
  consumeDroppedRoot(): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp outside <AppContext.Provider>');
  return v;
}
