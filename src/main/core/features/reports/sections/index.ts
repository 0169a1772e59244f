import type { AnySection } from '../section';
import { ablationSection } from './ablation';
import { calibrationSection } from './calibration';
import { compareSection } from './compare';
import { dissectSection } from './dissect';
import { neuronsSection } from './neurons';
import { ratingsSection } from './ratings';
import { summarySection } from './summary';
import { topImpactSection } from './topimpact';

// Every report section, in report order (the order of ReportSectionId). A capability adds its section here.
export const REPORT_SECTIONS: readonly AnySection[] = [
  summarySection,
  ablationSection,
  topImpactSection,
  calibrationSection,
  dissectSection,
  compareSection,
  ratingsSection,
  neuronsSection,
];
