/**
 * The page every DeepSC report is: one self-contained HTML file (inline CSS, no scripts, no
 * network) with a header, a navigation line and one `<section>` per part. The run report and
 * the study report add their own CSS and sections.
 * @module
 */
import { escapeHtml as esc } from './escape.js';

/** The CSS the reports share: page, header, navigation, sections, tables, SVG figures. */
const baseCss = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#123;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.85}
nav{padding:8px 28px;background:#e9edf2;font-size:13px}nav a{margin-right:14px;color:#124}
section{background:#fff;margin:16px 28px;padding:14px 20px;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f1f3f6;font-weight:600}
.figures{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start}
svg.figure{background:#fff;border:1px solid #e3e6ea;border-radius:4px}
svg text{font-size:11px;fill:#333}svg text.title{font-size:13px;font-weight:600}svg text.label{font-size:12px}
svg .grid{stroke:#eceff3}svg .axis{stroke:#666}svg .reference{stroke:#999;stroke-dasharray:4 3;fill:none}
.warn{color:#8a4b00}.muted{color:#666}code{background:#f1f3f6;padding:0 3px}
`;

/** One part of a report: its anchor id, its title (in the navigation too) and its HTML. */
export type ReportSection = [id: string, title: string, html: string];

/** What a report page holds. */
export interface ReportPage {
  /** The `<title>` text. */
  title: string;
  /** The header's heading text. */
  heading: string;
  /** The header's second line, as HTML (escape what it quotes). */
  subtitleHtml: string;
  /** CSS of this report only, after the shared CSS. */
  css: string;
  /** The sections, each linked from the navigation. */
  sections: readonly ReportSection[];
  /** HTML after the sections, not in the navigation. */
  trailerHtml?: string;
}

/** Renders a report page as one HTML string. */
export function renderReportPage(p: ReportPage): string {
  const nav = p.sections.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('');
  const body = p.sections
    .map(([id, title, html]) => `<section id="${id}"><h2>${esc(title)}</h2>${html}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(p.title)}</title><style>${baseCss}${p.css}</style></head>
<body><header><h1>${esc(p.heading)}</h1><p>${p.subtitleHtml}</p></header>
<nav>${nav}</nav>
${body}
${p.trailerHtml ? `${p.trailerHtml}\n` : ''}</body></html>
`;
}
