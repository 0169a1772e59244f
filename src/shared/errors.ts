// Errors cross every transport as data: a stable code, a message a person can act on, optional details.
// No node:*, no DOM, no electron here: this file is shared by main, preload, renderer and tests.

export const ERROR_CODES = [
  'bad_input', // the request itself is malformed or a value is out of range
  'not_found', // a file, project, probe set or record does not exist
  'not_a_project', // the file exists but is not a Neuron Workbench project
  'corrupt_project', // the file claims to be a project but cannot be read
  'newer_version', // the project was written by a newer version of the app
  'no_project', // a method needs an open project and none is open
  'model_invalid', // an ONNX file cannot be used
  'describer_invalid', // a captioner / language model / image generator folder or file cannot be used
  'endpoint_unavailable', // a local model endpoint refused, timed out or is not running
  'bad_answer', // a language model's answer failed its JSON schema after every retry
  'cancelled', // the caller cancelled the request
  'busy', // a conflicting job is already running (or a running job uses what the call would change)
  'file_exists', // the target file exists and the caller did not ask to overwrite it
  'protected_path', // the target is a project file, its -wal/-shm or its cache folder: never written over
  'permission_denied', // the OS refused to read or write a path (EACCES/EPERM)
  'read_only', // the file or its file system is read-only
  'disk_full', // no space left on the device
  'bad_encoding', // a text file is not UTF-8 (UTF-16, binary, ...)
  'non_finite', // a model produced NaN or infinite values
  'unauthorized', // transport refused the request (token / origin)
  'internal', // a bug: the message says what failed
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorData {
  code: ErrorCode;
  message: string;
  data?: unknown;
}

/** Throw this anywhere in the backend; the protocol turns it into ErrorData with its code intact. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly data?: unknown;
  constructor(code: ErrorCode, message: string, data?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.data = data;
  }
  toData(): ErrorData {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
  static from(data: ErrorData): AppError {
    return new AppError(data.code, data.message, data.data);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Any thrown value to ErrorData; unknown errors become 'internal' and keep their message. */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof AppError) return e.toData();
  if (e instanceof Error && e.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message };
}
