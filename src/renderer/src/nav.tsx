import type { ComponentType } from 'react';
import type { ScreenId } from './routes';
import { ProjectScreen } from './features/project';
import { ProbeSetsScreen } from './features/probes';
import { JobsScreen } from './features/jobs';
import { ModelsScreen } from './features/models';
import { ExplanationsScreen } from './features/explanations';
import { AblationScreen } from './features/ablation';
import { ConceptsScreen } from './features/concepts';
import { ReportScreen } from './features/reports';
import { GenerativeScreen } from './features/describers';
import { DissectScreen } from './features/dissect';
import { CompareScreen } from './features/compare';
import { RatingsScreen } from './features/ratings';

// The left navigation is data: add a screen by adding its route (routes.ts) and an entry here. An entry opens its
// screen where the user left it (the remembered route). Alt+1..9 jump to the entries in order; the shortcut
// sheet lists them from this table.

export interface NavItem {
  id: ScreenId;
  label: string;
  /** Shown when hovering the entry and on the shortcut sheet. */
  description: string;
  /** Screens that read project data show a "create or open a project" hint instead when none is open. */
  needsProject: boolean;
  Screen: ComponentType;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { id: 'project', label: 'Project', description: 'Create, open and inspect projects', needsProject: false, Screen: ProjectScreen },
  { id: 'probes', label: 'Probe sets', description: 'Import image folders and browse them', needsProject: true, Screen: ProbeSetsScreen },
  {
    id: 'models',
    label: 'Models',
    description: 'Add ONNX models, inspect layers, extract activations',
    needsProject: true,
    Screen: ModelsScreen,
  },
  {
    id: 'concepts',
    label: 'Concepts',
    description: 'Image-text encoders (SigLIP/CLIP), their calibration, and concept sets',
    needsProject: true,
    Screen: ConceptsScreen,
  },
  {
    id: 'explanations',
    label: 'Explanations',
    description: 'Explain neurons with label or image-text concepts: runs, results, neuron pages',
    needsProject: true,
    Screen: ExplanationsScreen,
  },
  {
    id: 'ablation',
    label: 'Ablation',
    description: 'Ablation scores of explanations (Optim, Norm) and Top Impact of a layer',
    needsProject: true,
    Screen: AblationScreen,
  },
  {
    id: 'report',
    label: 'Report',
    description: 'A printable report of an explain run: preview its A4 pages, export PDF, HTML or JSON',
    needsProject: true,
    Screen: ReportScreen,
  },
  { id: 'jobs', label: 'Jobs', description: 'Long-running work: status, resume', needsProject: true, Screen: JobsScreen },
  {
    id: 'generative',
    label: 'Generative models',
    description: 'Local captioners, language models and image generators (app-wide): add, check and try them',
    // The library is app-wide; only its Try panels need a project (they cache what they make there). Last, so the
    // Alt+1..9 shortcuts of the older entries stay as they were.
    needsProject: false,
    Screen: GenerativeScreen,
  },
  {
    id: 'dissect',
    label: 'Describe-and-Dissect',
    description: 'Label neurons with Describe-and-Dissect (local generative models) or CLIP-Dissect (a concept set)',
    needsProject: true,
    Screen: DissectScreen,
  },
  {
    id: 'compare',
    label: 'Compare methods',
    description: "All methods' mean scores of a layer side by side: test correlation ± SE per simulator, ablation Optim / Norm",
    needsProject: true,
    Screen: CompareScreen,
  },
  {
    id: 'ratings',
    label: 'Rate labels',
    description: "Blind rating studies: rate methods' labels 1-5 without method names, then compare the methods' mean ratings",
    needsProject: true,
    Screen: RatingsScreen,
  },
];

export function navItem(id: ScreenId): NavItem {
  return NAV_ITEMS.find((n) => n.id === id) ?? NAV_ITEMS[0];
}
