import { useContractQuery, type Loaded } from '../../lib/query';
import type { EncoderInfo } from './types';

/** The project's encoders (with their calibration in use); re-read whenever the concepts feature changes. */
export function useEncoders(): Loaded<EncoderInfo[]> {
  return useContractQuery('encoder.list', {});
}
