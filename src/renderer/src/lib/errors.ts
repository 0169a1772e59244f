import { AppError, ERROR_CODES, type ErrorCode } from '../../../shared/errors';

// Errors reach the UI as AppError (code + message). The backend's message says what went wrong; the UI
// adds a short title and "what to do" per code, so every error a user sees is actionable.

export interface ShownError {
  code: ErrorCode;
  title: string;
  message: string;
  hint: string;
  /** The backend's details, when it sent any (e.g. report.export's { offerHtml: true } when no Chromium prints PDFs). */
  data?: unknown;
}

const TITLES: Record<ErrorCode, string> = {
  bad_input: 'Check the input',
  not_found: 'Not found',
  not_a_project: 'Not a project file',
  corrupt_project: 'Project file is damaged',
  newer_version: 'Made by a newer version',
  no_project: 'No project open',
  model_invalid: 'Model cannot be used',
  describer_invalid: 'Generative model cannot be used',
  endpoint_unavailable: 'Model endpoint not reachable',
  bad_answer: 'The language model gave no valid answer',
  cancelled: 'Cancelled',
  busy: 'Busy',
  file_exists: 'File already exists',
  protected_path: 'That file belongs to a project',
  permission_denied: 'Permission denied',
  read_only: 'Read-only',
  disk_full: 'Disk full',
  bad_encoding: 'Unreadable text encoding',
  non_finite: 'The model produced NaN or infinite values',
  unauthorized: 'Not authorised',
  internal: 'Something went wrong',
};

const HINTS: Record<ErrorCode, string> = {
  bad_input: 'Correct the value and try again.',
  not_found: 'Check the path (it is read on the machine running the backend), or pick it with Browse.',
  not_a_project: 'Choose a .nwb file created by Neuron Workbench, or create a new project.',
  corrupt_project: 'Restore the file from a backup. The workbench did not change it.',
  newer_version: 'Update Neuron Workbench to open this project. The file was not changed.',
  no_project: 'Create or open a project on the Project screen first.',
  model_invalid: 'Check that the file is a valid ONNX model exported for inference.',
  describer_invalid: 'Check the folder or file named above against the layout in the README (Generative models), or re-export it.',
  endpoint_unavailable: 'Start the local server (Ollama, LM Studio, llama.cpp server, vLLM) or correct its address, then try again.',
  bad_answer: 'Try again with another seed, a lower temperature, or a larger or instruction-tuned model.',
  cancelled: 'Nothing was lost: resume it from the Jobs screen.',
  busy: 'Wait for the running job to finish, or cancel it, then try again.',
  file_exists: 'Choose another file name, or confirm that the existing file may be replaced.',
  protected_path: 'Choose a file outside the project: exports never write over a project, its journal or its cache.',
  permission_denied: 'Check the permissions of the path named above, or choose another location.',
  read_only: 'Copy the file to a writable location, or open it read-only.',
  disk_full: 'Free some space on that disk, or choose another location, then try again.',
  bad_encoding: 'Save the file as UTF-8 text (most editors offer this under "Save as"), then try again.',
  non_finite: 'Check the model (weights, inputs and preprocessing); the message names the layer and the first image.',
  unauthorized: 'Reload the page using the link printed by `npm run web`.',
  internal: 'This is a bug in the workbench. Try again; if it persists, report the message above.',
};

function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

export function toShownError(e: unknown): ShownError {
  let code: ErrorCode = 'internal';
  let message: string;
  let data: unknown;
  if (e instanceof AppError || (e instanceof Error && isErrorCode((e as { code?: unknown }).code))) {
    code = (e as AppError).code;
    message = e.message;
    data = (e as AppError).data;
  } else if (e instanceof Error) {
    message = e.message;
  } else {
    message = String(e);
  }
  return data === undefined
    ? { code, title: TITLES[code], message, hint: HINTS[code] }
    : { code, title: TITLES[code], message, hint: HINTS[code], data };
}

export function isCancelled(e: unknown): boolean {
  return e instanceof AppError && e.code === 'cancelled';
}
