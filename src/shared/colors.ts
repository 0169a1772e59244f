// One categorical palette for every label series, shared by the app's charts (renderer) and the printed
// report's SVG charts (backend), so a class keeps its colour in both. The same hex values in light and dark
// themes (ux.md: colour scales stay the same in both). Mid-lightness colours that read on white and on the dark
// surface alike (Tableau 20 order).
export const PALETTE: readonly string[] = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
  '#86bcb6',
  '#f2cf5b',
  '#8cd17d',
  '#ff9d9a',
  '#79706e',
  '#d37295',
  '#a0cbe8',
  '#ffbe7d',
  '#b6992d',
  '#499894',
];

/** Colour of the i-th label (in the run's stable label order). */
export function seriesColor(i: number): string {
  const n = PALETTE.length;
  return PALETTE[((Math.trunc(i) % n) + n) % n];
}
