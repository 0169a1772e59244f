import type { StoredTerm } from '../../platform/store/explanationRepo';

// How an explanation reads: terms by weight, descending (as the LE results CSV orders them), e.g.
// "1.8 x footwear + 0.9 x Sandal - 0.3 x Bag, bias 0.1". Three significant digits: enough to compare
// neurons, short enough for a table cell; the structured terms keep full precision.

const num = (x: number): string => String(Number(Math.abs(x).toPrecision(3)));

export function sortTerms(terms: readonly StoredTerm[]): StoredTerm[] {
  return [...terms].sort((a, b) => b.weight - a.weight || (a.concept < b.concept ? -1 : 1));
}

export function explanationText(terms: readonly StoredTerm[], bias: number): string {
  // Labels (DnD, CLIP-Dissect, a typed text) are weight-1 terms without bias: they read as the labels themselves.
  if (terms.length && bias === 0 && terms.every((t) => t.weight === 1)) return terms.map((t) => t.concept).join(' + ');
  const parts = sortTerms(terms).map(
    (t, i) => `${i === 0 ? (t.weight < 0 ? '-' : '') : t.weight < 0 ? ' - ' : ' + '}${num(t.weight)} x ${t.concept}`,
  );
  const b = `bias ${bias < 0 ? '-' : ''}${num(bias)}`;
  return parts.length ? `${parts.join('')}, ${b}` : `(no concept), ${b}`;
}
