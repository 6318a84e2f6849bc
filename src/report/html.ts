// The pieces every report page is made of: a standalone HTML document (inline CSS, no script, no
// network: it opens from disk and prints), tables with captions and header cells, and inline SVG
// charts. Every chart is an <svg role="img"> with a <title> and <desc>, a <title> on each mark
// (the value, as a tooltip and for screen readers), a text legend, and the table of its figures
// right behind it, so nothing is shown only as a picture. Pure string building.

/** Escapes text for HTML content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** An id made of a label: lowercase letters, digits and dashes. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
}

/** Trusted markup: strings passed as Html are not escaped again. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}
export const raw = (s: string) => new Html(s);
const out = (v: unknown): string => (v instanceof Html ? v.html : esc(v));

/** A series of a chart: its name, the colour it is drawn in, and the CSS class of the same colour. */
export interface Series {
  key: string;
  label: string;
  color: string;
}

export const CATEGORY_SERIES: Series[] = [
  { key: "auto", label: "auto", color: "#2f855a" },
  { key: "notify", label: "notify", color: "#2b6cb0" },
  { key: "approve", label: "approve", color: "#b7791f" },
  { key: "block", label: "block", color: "#c53030" },
];

const CSS = `
:root { color-scheme: light; --fg: #1a202c; --muted: #4a5568; --line: #cbd5e0; --bg: #fff; --band: #f7fafc; --warn: #c53030; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 1px solid var(--line); padding-bottom: 12px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.lead, .muted { color: var(--muted); }
nav ol { columns: 3; padding-left: 20px; margin: 8px 0 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.cards .value { display: block; font-size: 22px; font-weight: 600; }
.cards .label { color: var(--muted); }
figure { margin: 12px 0 20px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg text { fill: var(--fg); }
svg .axis { stroke: var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0; padding: 0; list-style: none; }
.legend li::before { content: ""; display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; background: var(--swatch); }
table { border-collapse: collapse; margin: 6px 0 16px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; white-space: nowrap; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th[scope="col"] { border-bottom: 2px solid var(--fg); }
td.n, th.n { text-align: right; }
tr.flag td { background: #fff5f5; }
.flag-text, .opens { color: var(--warn); font-weight: 600; }
details { margin: 4px 0 16px; }
summary { cursor: pointer; color: var(--muted); }
pre { background: var(--band); padding: 10px; overflow: auto; max-height: 420px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.empty { color: var(--muted); font-style: italic; }
@media print { nav, details > summary { display: none; } details { display: block; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

export interface Section {
  id: string;
  title: string;
  body: string;
}

/** The whole page: title, lead text, a table of contents, the sections, and a footer. */
export function page(o: { title: string; lead: string; cards?: { label: string; value: string | number; id?: string }[]; sections: Section[]; footer: string }): string {
  const cards = o.cards?.length
    ? `<ul class="cards">${o.cards.map((c) => `<li${c.id ? ` id="${esc(c.id)}"` : ""}><span class="value">${esc(c.value)}</span> <span class="label">${esc(c.label)}</span></li>`).join("")}</ul>`
    : "";
  const nav = o.sections.length > 2 ? `<nav aria-label="Sections"><ol>${o.sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join("")}</ol></nav>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(o.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(o.title)}</h1>
<p class="lead">${o.lead}</p>
${cards}
${nav}
</header>
<main>
${o.sections.map((s) => `<section id="${esc(s.id)}" aria-labelledby="${esc(s.id)}-h"><h2 id="${esc(s.id)}-h">${esc(s.title)}</h2>\n${s.body}</section>`).join("\n")}
</main>
<footer><p class="muted">${o.footer}</p></footer>
</body>
</html>
`;
}

export interface Column<R> {
  head: string;
  /** The cell: text (escaped) or Html. */
  cell: (r: R) => unknown;
  numeric?: boolean;
}

/** A table with a caption and column headers; the first column heads each row. `flag` marks rows to look at. */
export function table<R>(o: { id: string; caption: string; columns: Column<R>[]; rows: R[]; flag?: (r: R) => boolean; empty?: string; rowId?: (r: R) => string | undefined }): string {
  if (!o.rows.length) return `<p class="empty" id="${esc(o.id)}">${esc(o.empty ?? "none")}</p>`;
  const head = o.columns.map((c) => `<th scope="col"${c.numeric ? ' class="n"' : ""}>${esc(c.head)}</th>`).join("");
  const body = o.rows
    .map((r) => {
      const id = o.rowId?.(r);
      const cells = o.columns.map((c, i) => {
        const tag = i === 0 ? "th" : "td";
        return `<${tag}${i === 0 ? ' scope="row"' : ""}${c.numeric ? ' class="n"' : ""}>${out(c.cell(r))}</${tag}>`;
      });
      return `<tr${id ? ` id="${esc(id)}"` : ""}${o.flag?.(r) ? ' class="flag"' : ""}>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<table id="${esc(o.id)}"><caption>${esc(o.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function legend(series: Series[]): string {
  return `<ul class="legend" aria-hidden="true">${series.map((s) => `<li style="--swatch:${s.color}">${esc(s.label)}</li>`).join("")}</ul>`;
}

/** A figure: caption, chart, legend, and the table of its figures. */
export function figure(o: { id: string; caption: string; svg: string; series?: Series[]; table: string; open?: boolean }): string {
  return `<figure id="${esc(o.id)}" aria-labelledby="${esc(o.id)}-c"><figcaption id="${esc(o.id)}-c">${esc(o.caption)}</figcaption>
${o.svg}
${o.series ? legend(o.series) : ""}
<details${o.open === false ? "" : " open"}><summary>The figures</summary>${o.table}</details></figure>`;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function svgOpen(id: string, w: number, h: number, title: string, desc: string): string {
  return `<svg id="${esc(id)}" class="chart" role="img" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" aria-labelledby="${esc(id)}-t ${esc(id)}-d" xmlns="http://www.w3.org/2000/svg"><title id="${esc(id)}-t">${esc(title)}</title><desc id="${esc(id)}-d">${esc(desc)}</desc>`;
}

/** A "nice" upper bound for an axis of four steps: each step 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten (at least 1), the bound at least max. */
export function niceMax(max: number): number {
  if (max <= 0) return 4;
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const step = Math.max(1, m * p);
    if (step * 4 >= max && Number.isInteger(step)) return step * 4;
  }
  return 40 * p;
}

/**
 * Vertical stacked columns, one per x label (days), series stacked in order. Each segment carries
 * data-x, data-series and data-value so a reader (or a test) can find the figure it draws.
 */
export function columns(o: { id: string; title: string; desc: string; labels: string[]; series: Series[]; value: (i: number, s: Series) => number; tick?: (label: string, i: number) => string | undefined; marks?: { at: number; label: string }[] }): string {
  const n = o.labels.length;
  const left = 44;
  const top = 10;
  const plotH = 200;
  const step = Math.max(8, Math.min(36, Math.floor(900 / Math.max(1, n))));
  const barW = Math.max(4, step - 3);
  const w = left + n * step + 16;
  const h = top + plotH + 40;
  const totals = o.labels.map((_, i) => o.series.reduce((t, s) => t + o.value(i, s), 0));
  const max = niceMax(Math.max(0, ...totals));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [svgOpen(o.id, w, h, o.title, o.desc)];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<line class="axis" x1="${left}" x2="${w - 8}" y1="${y(v)}" y2="${y(v)}"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let i = 0; i < n; i++) {
    const x = left + i * step + 1;
    let acc = 0;
    const g: string[] = [];
    for (const s of o.series) {
      const v = o.value(i, s);
      if (v > 0) g.push(`<rect x="${x}" y="${y(acc + v)}" width="${barW}" height="${y(acc) - y(acc + v)}" fill="${s.color}" data-x="${esc(o.labels[i])}" data-series="${esc(s.key)}" data-value="${v}"><title>${esc(o.labels[i])}: ${v} ${esc(s.label)}</title></rect>`);
      acc += v;
    }
    parts.push(`<g>${g.join("")}</g>`);
    const t = o.tick ? o.tick(o.labels[i]!, i) : o.labels[i];
    if (t !== undefined) parts.push(`<text x="${x + barW / 2}" y="${top + plotH + 14}" text-anchor="middle">${esc(t)}</text>`);
  }
  for (const m of o.marks ?? []) {
    const x = left + m.at * step + 1 + barW / 2;
    parts.push(`<g class="mark"><line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}" stroke="#1a202c" stroke-dasharray="3 3"/><text x="${x + 3}" y="${top + 10}">${esc(m.label)}</text><title>${esc(m.label)}</title></g>`);
  }
  parts.push(`<line class="axis" x1="${left}" x2="${w - 8}" y1="${top + plotH}" y2="${top + plotH}"/></svg>`);
  return parts.join("");
}

/**
 * Horizontal stacked bars, one row per label; with `percent` each row is scaled to its own total
 * (shares), otherwise all rows share one scale. Segments carry data-row, data-series, data-value.
 */
export function bars(o: { id: string; title: string; desc: string; labels: string[]; series: Series[]; value: (i: number, s: Series) => number; percent?: boolean; note?: (i: number) => string | undefined }): string {
  const labelW = Math.min(260, 20 + 7 * Math.max(4, ...o.labels.map((l) => l.length)));
  const plotW = 560;
  const rowH = 22;
  const top = 6;
  const w = labelW + plotW + 230;
  const h = top + o.labels.length * rowH + 24;
  const totals = o.labels.map((_, i) => o.series.reduce((t, s) => t + o.value(i, s), 0));
  const max = o.percent ? 1 : niceMax(Math.max(0, ...totals));
  const parts: string[] = [svgOpen(o.id, w, h, o.title, o.desc)];
  for (let k = 0; k <= 4; k++) {
    const x = labelW + (plotW * k) / 4;
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${top}" y2="${h - 20}"/><text x="${x}" y="${h - 6}" text-anchor="middle">${o.percent ? `${25 * k}%` : fmt((max * k) / 4)}</text>`);
  }
  o.labels.forEach((label, i) => {
    const yy = top + i * rowH;
    const scale = o.percent ? (totals[i]! > 0 ? plotW / totals[i]! : 0) : plotW / max;
    let acc = 0;
    const g: string[] = [`<text x="${labelW - 6}" y="${yy + 15}" text-anchor="end">${esc(label)}</text>`];
    for (const s of o.series) {
      const v = o.value(i, s);
      if (v > 0) g.push(`<rect x="${labelW + acc * scale}" y="${yy + 3}" width="${v * scale}" height="${rowH - 6}" fill="${s.color}" data-row="${esc(label)}" data-series="${esc(s.key)}" data-value="${v}"><title>${esc(label)}: ${v} ${esc(s.label)}${o.percent && totals[i] ? ` (${Math.round((1000 * v) / totals[i]!) / 10}%)` : ""}</title></rect>`);
      acc += v;
    }
    const note = o.note?.(i) ?? String(totals[i]);
    g.push(`<text x="${labelW + (o.percent ? plotW : acc * scale) + 6}" y="${yy + 15}">${esc(note)}</text>`);
    parts.push(`<g>${g.join("")}</g>`);
  });
  parts.push("</svg>");
  return parts.join("");
}

/**
 * Lanes over time: one lane per label, spans [from, to] coloured by a key (revisions per agent),
 * with flagged spans outlined (drift). Times are ISO strings; the axis runs from `start` to `end`.
 */
export function lanes(o: { id: string; title: string; desc: string; start: string; end: string; lanes: string[]; spans: { lane: string; from: string; to: string; key: string; label: string; flag?: boolean }[]; colors: Map<string, string>; marks?: { at: string; label: string }[]; bands?: { lane: string; from: string; to: string; label: string }[] }): string {
  const labelW = Math.min(220, 20 + 7 * Math.max(4, ...o.lanes.map((l) => l.length)));
  const plotW = 700;
  const rowH = 26;
  const top = 18;
  const w = labelW + plotW + 20;
  const h = top + o.lanes.length * rowH + 26;
  const t0 = Date.parse(o.start);
  const t1 = Math.max(t0 + 1, Date.parse(o.end));
  const x = (t: string) => labelW + ((Math.min(t1, Math.max(t0, Date.parse(t))) - t0) / (t1 - t0)) * plotW;
  const parts: string[] = [svgOpen(o.id, w, h, o.title, o.desc)];
  const days = Math.round((t1 - t0) / 86_400_000);
  const every = days > 40 ? 14 : 7;
  for (let d = 0; d <= days; d += every) {
    const t = new Date(t0 + d * 86_400_000).toISOString();
    parts.push(`<line class="axis" x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${h - 20}"/><text x="${x(t)}" y="${h - 6}" text-anchor="middle">${t.slice(5, 10)}</text>`);
  }
  o.lanes.forEach((lane, i) => {
    const yy = top + i * rowH;
    parts.push(`<text x="${labelW - 6}" y="${yy + 16}" text-anchor="end">${esc(lane)}</text>`);
    for (const s of o.spans.filter((sp) => sp.lane === lane)) {
      const x0 = x(s.from);
      const width = Math.max(3, x(s.to) - x0);
      parts.push(
        `<rect x="${x0}" y="${yy + 4}" width="${width}" height="${rowH - 8}" fill="${o.colors.get(s.key) ?? "#718096"}"${s.flag ? ' stroke="#c53030" stroke-width="2.5" stroke-dasharray="4 2"' : ""} data-lane="${esc(lane)}" data-key="${esc(s.key)}"${s.flag ? ' data-flag="true"' : ""}><title>${esc(s.label)}</title></rect>`,
      );
    }
    // Bands: intervals of a lane to look at (drift), a red strip under its spans.
    for (const b of (o.bands ?? []).filter((x) => x.lane === lane)) {
      const x0 = x(b.from);
      parts.push(`<rect class="band" x="${x0}" y="${yy + rowH - 5}" width="${Math.max(3, x(b.to) - x0)}" height="4" fill="#c53030" data-band="${esc(lane)}" data-from="${esc(b.from)}" data-to="${esc(b.to)}"><title>${esc(b.label)}</title></rect>`);
    }
  });
  for (const m of o.marks ?? []) {
    parts.push(`<g class="mark"><line x1="${x(m.at)}" x2="${x(m.at)}" y1="${top - 10}" y2="${h - 20}" stroke="#1a202c" stroke-dasharray="3 3"/><text x="${x(m.at) + 3}" y="${top - 8}">${esc(m.label)}</text><title>${esc(m.label)}</title></g>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

/** A palette for keys without a meaning of their own (revisions). */
export const PALETTE = ["#3182ce", "#805ad5", "#d69e2e", "#38a169", "#dd6b20", "#319795", "#d53f8c", "#718096"];

/** A cell shaded by its share of a maximum (confusion tables). */
export function shaded(v: number, max: number, bad = false): Html {
  const a = max > 0 && v > 0 ? 0.12 + 0.6 * (v / max) : 0;
  const bg = bad ? `rgba(197,48,48,${a.toFixed(2)})` : `rgba(43,108,176,${a.toFixed(2)})`;
  return raw(`<span style="display:block;background:${bg};padding:0 4px">${v}</span>`);
}

export const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
