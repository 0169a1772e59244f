import type { DndParams } from '../../../../shared/contract';
import { DEFAULT_SIMPLIFY, DEFAULT_SUMMARISE } from '../../../../shared/dndPrompts';

// The language-model prompts of Describe-and-Dissect (docs/dissect.md writes them out). The reference asked a hosted
// GPT-4-class model with two few-shot examples; these say the same to a local model and ask for JSON, which the
// runtime constrains (GGUF grammar or the endpoint's json_schema) and always validates. Users can replace them.

export const SYSTEM_PROMPT = 'You name one concept that covers most captions.';

export { DEFAULT_SIMPLIFY, DEFAULT_SUMMARISE };

export const CONCEPT_SCHEMA = {
  type: 'object',
  properties: { concept: { type: 'string', maxLength: 80 } },
  required: ['concept'],
};

export function summarisePrompt(p: Pick<DndParams, 'summarisePrompt'>, captions: readonly string[]): string {
  return (p.summarisePrompt ?? DEFAULT_SUMMARISE).replaceAll('{captions}', captions.join('; '));
}

export function simplifyPrompt(p: Pick<DndParams, 'simplifyPrompt'>, caption: string): string {
  return (p.simplifyPrompt ?? DEFAULT_SIMPLIFY).replaceAll('{caption}', caption);
}

/** The reference's post-processing: lowercase, the text after a ':', no trailing period, no quotes, single spaces. */
export function postprocessConcept(raw: string): string {
  let s = raw.toLowerCase();
  const colon = s.lastIndexOf(':');
  if (colon >= 0) s = s.slice(colon + 1);
  return s.replace(/["'`]/g, '').replace(/\s+/g, ' ').trim().replace(/\.+$/, '').trim();
}
