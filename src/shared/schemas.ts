import { z } from 'zod';

// Schemas that several contract files use, declared once.

export const FilePath = z.string().min(1, 'a path is required').max(4096);

/** Exports refuse an existing file unless the user said it may be replaced (--overwrite, or the app's confirm dialog). */
export const Overwrite = z.boolean().default(false);
