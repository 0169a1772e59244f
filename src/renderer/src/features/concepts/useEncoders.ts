import { useApp } from '../../lib/appContext';
import { useLoad, type Loaded } from '../../lib/useLoad';
import type { EncoderInfo } from './types';

/** The project's encoders (with their calibration in use); `version` reloads them. */
export function useEncoders(version: unknown = 0): Loaded<EncoderInfo[]> {
  const { api } = useApp();
  return useLoad(() => api.call('encoder.list', {}), [api, version]);
}
