import type { Out } from '../../lib/types';

// Contract-derived shapes of the Concepts screen (encoders, calibrations, concept sets).
export type EncoderInfo = Out<'encoder.list'>[number];
export type CalibrationInfo = Out<'calibration.list'>[number];
export type CalibrationReport = NonNullable<Out<'calibration.report'>>;
export type ReliabilityBin = CalibrationReport['reliabilityBefore'][number];
export type ConceptSetInfo = Out<'conceptSet.list'>[number];
export type FilterReport = Out<'conceptSet.filter'>;
export type SimulatorMeans = Out<'simulate.means'>[number];
/** 'label' = the probe set's label simulator; a number = an encoder id (the contract's SimulatorRef). */
export type { SimulatorRef } from '../../../../shared/contract';

/** a, b of a calibration as researchers quote them: a=60 b=-0.09. */
export function formatAB(c: { a: number; b: number }): string {
  return `a=${Number(c.a.toPrecision(4))} b=${Number(c.b.toFixed(3))}`;
}

/** A loss or error to 4 decimals, an em dash when missing. */
export function formatLoss(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4);
}

export function isCalibrated(e: EncoderInfo): boolean {
  return e.calibration !== null && e.status === 'ok';
}
