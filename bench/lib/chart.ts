import { formatNumber, type Figure } from './context.js';

// A hand-written horizontal bar chart: one row per figure that has a ratio, on a log scale, with the target
// drawn as a tick. No dependency; the SVG is small enough to read in a diff.

const ROW = 30;
const LABEL = 330;
const PLOT = 440;
const TOP = 48;
const MIN = 0.1;
const MAX = 300;

function x(value: number): number {
  const clamped = Math.min(MAX, Math.max(MIN, value));
  return LABEL + ((Math.log10(clamped) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * PLOT;
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function colour(f: Figure): string {
  if (f.met === null) return '#9aa5b1';
  return f.met ? '#2f9e44' : '#e03131';
}

export function chartSvg(figures: readonly Figure[], subtitle: string): string {
  const shown = figures.filter((f) => f.ratio !== null || f.aiox === null);
  const height = TOP + shown.length * ROW + 40;
  const width = LABEL + PLOT + 120;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">aiox: ratio to reference vs target (log scale)</text>`,
    `<text x="10" y="38" fill="#555">${escape(subtitle)}; green met, red missed, grey reported or not implemented; tick = target</text>`,
  ];
  for (const grid of [0.1, 0.3, 1, 3, 10, 30, 100, 300]) {
    const gx = x(grid).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${TOP}" x2="${gx}" y2="${height - 30}" stroke="${grid === 1 ? '#888' : '#e5e5e5'}"/>`);
    parts.push(`<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#555">${grid}x</text>`);
  }
  shown.forEach((f, i) => {
    const y = TOP + i * ROW;
    const title = `${f.id}. ${f.title}`;
    parts.push(`<text x="10" y="${y + 19}">${escape(title.length > 50 ? `${title.slice(0, 49)}…` : title)}</text>`);
    if (f.ratio === null) {
      parts.push(`<text x="${LABEL + 6}" y="${y + 19}" fill="#9aa5b1">not implemented yet</text>`);
    } else {
      const end = x(f.ratio);
      parts.push(`<rect x="${LABEL}" y="${y + 6}" width="${(end - LABEL).toFixed(1)}" height="18" fill="${colour(f)}"/>`);
      const label = `${formatNumber(f.ratio)}${f.reference === null ? '' : 'x'}`;
      parts.push(`<text x="${(end + 6).toFixed(1)}" y="${y + 19}">${escape(label)}</text>`);
    }
    if (f.target !== null) {
      const tx = x(f.target.value).toFixed(1);
      parts.push(`<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + 28}" stroke="#000" stroke-width="2"/>`);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
