import { projectMethods } from './project';
import { probeMethods } from './probes';
import { jobMethods } from './jobs';
import { modelMethods } from './models';
import { explainMethods } from './explanations';
import { ablationMethods } from './ablation';
import { conceptMethods } from './concepts';
import { reportMethods } from './reports';
import { describerMethods } from './describers';
import { dissectMethods } from './dissect';
import { compareMethods } from './compare';
import { ratingMethods } from './ratings';
import { clusterMethods } from './cluster';

// The one declaration of every backend method, merged from one file per feature. Main-side handler types, the
// renderer client, the CLI and the preload all derive from this object; add a method to a feature's file and
// the compiler lists what is missing.

export * from './schemas';
export * from './project';
export * from './probes';
export * from './jobs';
export * from './models';
export * from './explanations';
export * from './ablation';
export * from './concepts';
export * from './reports';
export * from './describers';
export * from './dissect';
export * from './compare';
export * from './ratings';
export * from './cluster';

export const contract = {
  ...projectMethods,
  ...probeMethods,
  ...jobMethods,
  ...modelMethods,
  ...explainMethods,
  ...ablationMethods,
  ...conceptMethods,
  ...reportMethods,
  ...describerMethods,
  ...dissectMethods,
  ...compareMethods,
  ...ratingMethods,
  ...clusterMethods,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract & string;
