// Public surface of the method-comparison numerics (issue #15). Pure numeric; no electron, no DB.
export * from './classifierFinding';
export * from './agreement';
