import { z } from 'zod';

// Schemas that several contract files use, declared once.

/** A row id of the project store. */
export const Id = z.number().int().positive();

/** A neuron (channel / unit) index of a layer. */
export const Neuron = z.number().int().min(0);

export const FilePath = z.string().min(1, 'a path is required').max(4096);

/** Exports refuse an existing file unless the user said it may be replaced (--overwrite, or the app's confirm dialog). */
export const Overwrite = z.boolean().default(false);
