import type { Encoder } from '../../onnx/encoders/encoder';

// Words an encoder's tokenizer does not know (it maps them to its unknown token). A concept made only of such
// words is embedded as "<unk>": its P column says nothing about the concept, yet it is scored like any other.
// Concepts are split into words on spaces and underscores (`ankle_boot` = "ankle boot").

const words = (text: string) => text.split(/[\s_]+/).filter(Boolean);

/** The words of `text` the tokenizer maps to its unknown token (none when it has no unknown token). */
export function unknownWords(enc: Pick<Encoder, 'describeTokens'>, text: string): string[] {
  return words(text).filter((w) => enc.describeTokens(w).unknown > 0);
}

/** Concepts every word of which is unknown to the tokenizer, in the order given. */
export function unknownConcepts(enc: Pick<Encoder, 'describeTokens'>, names: readonly string[]): string[] {
  const memo = new Map<string, boolean>();
  const unknown = (w: string) => {
    let u = memo.get(w);
    if (u === undefined) memo.set(w, (u = enc.describeTokens(w).unknown > 0));
    return u;
  };
  return names.filter((n) => {
    const ws = words(n);
    return ws.length > 0 && ws.every(unknown);
  });
}

const SHOW = 12;

/** The warning shown with a concept list that has unknown-word concepts, or null. */
export function unknownConceptsWarning(unknown: readonly string[], total: number, encoderName: string): string | null {
  if (!unknown.length) return null;
  return (
    `${unknown.length} of ${total} concepts are made only of words ${encoderName}'s tokenizer does not know (${unknown.slice(0, SHOW).join(', ')}` +
    `${unknown.length > SHOW ? ', ...' : ''}): each is embedded as the unknown token, so its scores say nothing about the concept. ` +
    'Rephrase them in common words or remove them from the concept set.'
  );
}
