import { forwardRef, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import { REPORT_CSS } from '../../../../shared/reportStyle';

// The report's pages exactly as they print: the backend's markup (generated and escaped there, no scripts) in a
// shadow root styled by the one report stylesheet (a constructable sheet: the strict CSP allows it, where an inline
// <style> would be refused). The A4 pages are zoomed out to fit the pane's width; the page in view is reported.

/** 210 mm in CSS pixels: the width of a page (plus the sheet's screen padding, none at the sides). */
const PAGE_PX = (210 * 96) / 25.4;
const GUTTER_PX = 24;

/** In the app the pane behind the pages follows the theme (the report's own grey is for the exported HTML). */
const IN_APP_CSS = '.nwb-report { background: transparent; }';

let sheets: CSSStyleSheet[] | null = null;
function reportSheets(): CSSStyleSheet[] {
  if (!sheets) {
    sheets = [REPORT_CSS, IN_APP_CSS].map((css) => {
      const s = new CSSStyleSheet();
      s.replaceSync(css);
      return s;
    });
  }
  return sheets;
}

export interface ReportPagesHandle {
  /** Scroll page `n` (1-based) to the top of the pane. */
  showPage(n: number): void;
}

export type ZoomMode = 'fit' | '1';

export const ReportPages = forwardRef<
  ReportPagesHandle,
  { html: string; title: string; zoomMode: ZoomMode; onPageInView: (n: number) => void; onScale: (s: number) => void }
>(function ReportPages({ html, title, zoomMode, onPageInView, onScale }, ref) {
  const paneRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const [paneWidth, setPaneWidth] = useState(0);

  useLayoutEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const root = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = reportSheets();
    root.innerHTML = `<div class="nwb-report">${html}</div>`;
  }, [html]);

  useLayoutEffect(() => {
    const pane = paneRef.current;
    if (!pane) return;
    const ro = new ResizeObserver(() => setPaneWidth(pane.clientWidth));
    ro.observe(pane);
    setPaneWidth(pane.clientWidth);
    return () => ro.disconnect();
  }, []);

  const scale = zoomMode === '1' || paneWidth === 0 ? 1 : Math.min(1, Math.max(0.25, (paneWidth - GUTTER_PX) / PAGE_PX));
  useEffect(() => onScale(scale), [scale, onScale]);

  const pages = useCallback((): HTMLElement[] => {
    const root = hostRef.current?.shadowRoot;
    return root ? [...root.querySelectorAll<HTMLElement>('section.page')] : [];
  }, []);

  // The page in view: the last page whose top is above the pane's upper third (binary search: pages are in order).
  const trackPage = useCallback(() => {
    const pane = paneRef.current;
    const list = pages();
    if (!pane || !list.length) return;
    const line = pane.getBoundingClientRect().top + pane.clientHeight / 3;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (list[mid].getBoundingClientRect().top <= line) lo = mid;
      else hi = mid - 1;
    }
    onPageInView(Number(list[lo].dataset.page ?? lo + 1));
  }, [pages, onPageInView]);

  useEffect(() => {
    const pane = paneRef.current;
    if (!pane) return;
    let frame = 0;
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(trackPage);
    };
    pane.addEventListener('scroll', onScroll, { passive: true });
    trackPage();
    return () => {
      cancelAnimationFrame(frame);
      pane.removeEventListener('scroll', onScroll);
    };
  }, [trackPage, html, scale]);

  const showPage = useCallback(
    (n: number) => {
      const pane = paneRef.current;
      const el = hostRef.current?.shadowRoot?.getElementById(`page-${n}`);
      if (!pane || !el) return;
      pane.scrollTop += el.getBoundingClientRect().top - pane.getBoundingClientRect().top - 8;
      onPageInView(n);
    },
    [onPageInView],
  );
  useImperativeHandle(ref, () => ({ showPage }), [showPage]);

  // The contents' links (#page-N) scroll the preview: followed as they are, they would change the app's route.
  useEffect(() => {
    const root = hostRef.current?.shadowRoot;
    if (!root) return;
    const onClick = (e: Event) => {
      const a = (e.target as Element | null)?.closest?.('a[href^="#page-"]');
      if (!a) return;
      e.preventDefault();
      showPage(Number(a.getAttribute('href')!.slice('#page-'.length)));
    };
    root.addEventListener('click', onClick);
    return () => root.removeEventListener('click', onClick);
  }, [showPage, html]);

  return (
    <div
      ref={paneRef}
      className="report-pane"
      tabIndex={0}
      role="region"
      aria-label={`Preview of “${title}” (scroll with the arrow keys)`}
      data-testid="report-pages"
    >
      <div ref={hostRef} className="report-host" style={{ zoom: scale }} data-scale={scale.toFixed(3)} />
    </div>
  );
});
