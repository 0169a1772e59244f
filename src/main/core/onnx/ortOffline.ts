// onnxruntime-node 1.30's Linux and macOS builds carry Microsoft's 1DS telemetry, on by default: on the
// first session it writes a device id (`.ses`) and a `mat-debug-<pid>.log` into the temp folder (one more
// per process, never removed) and starts an uploader. An offline workbench sends nothing and leaves
// nothing behind, so it is switched off before the native library initialises; ORT_DISABLE_TELEMETRY is
// onnxruntime's own opt-out (microsoft/onnxruntime#27379). A user who sets the variable keeps their value.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
