// The reports feature's public surface: other features and the app shell import only from here. Reports use the jobs
// feature only; the screens that link to a report (explanations, ablation, concepts) use ReportLink / reportOf.
export { ReportLink } from './ReportLink';
export { ReportScreen } from './ReportScreen';
export { reportOf, type ReportRoute } from './route';
