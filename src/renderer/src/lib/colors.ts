// One categorical palette for every label series; the same hex values in light and dark themes so a class
// keeps its colour everywhere (ux.md: colour scales stay the same in both). Mid-lightness colours that read on
// white and on the dark surface alike (Tableau 20 order). The palette lives in src/shared/colors.ts so the
// printed reports' charts use the same colours as the app's.
export { seriesColor } from '../../../shared/colors';
