// The one import of onnxruntime-node: its telemetry is switched off first (see ortOffline.ts). Import order
// matters, so nothing else imports 'onnxruntime-node' directly (a lint rule keeps it so).
import './ortOffline';
import * as ort from 'onnxruntime-node';

export { ort };
