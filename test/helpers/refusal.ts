import { AppError } from '../../src/shared/errors';

/** The coded error a call was refused with; fails the test when the call succeeds or throws something uncoded. */
export async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('the call was accepted');
}
