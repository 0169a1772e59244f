import { z } from 'zod';
import { job, method } from '../define';
import { Id } from './schemas';

// Comparing methods the way the papers do (issue #15): every method's labels of a layer side by side, scored the same
// way, and the papers' evaluations. Core: src/main/core/features/compare/.

// Keep the imports used once a method is declared here.
void job;
void method;
void Id;
void z;

export const compareMethods = {} as const;
