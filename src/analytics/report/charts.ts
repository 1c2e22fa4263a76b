/*
 * Charts as SVG text, pure: a bar chart and a line chart sized for an email (600 px wide). The
 * mailer turns them into PNG with resvg, since mail clients do not show inline SVG.
 */

export interface BarChart {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  /** How a value is written on its bar. */
  format?: (value: number) => string;
}

export interface LineChart {
  title: string;
  /** X axis labels (e.g. month offsets). */
  labels: readonly string[];
  series: readonly { name: string; values: readonly (number | null)[] }[];
  /** Y axis maximum (default: the largest value). */
  max?: number;
  format?: (value: number) => string;
}

const WIDTH = 600;
const palette = ['#2f6fdf', '#e0782f', '#2fa36b', '#c9406a', '#7a5cc9', '#8a8a2f', '#2fa3a3', '#a35c2f'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char] ?? char);
}

const plain = (value: number): string => (Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2));

/**
 * Horizontal bars, one per label, longest = largest value.
 * @example barChart({ title: 'Funnel', labels: ['Viewed', 'Added'], values: [100, 40] })
 */
export function barChart(chart: BarChart): string {
  const format = chart.format ?? plain;
  const rowHeight = 28;
  const top = 40;
  const labelWidth = 170;
  const height = top + rowHeight * chart.labels.length + 16;
  const max = Math.max(0, ...chart.values);
  const span = WIDTH - labelWidth - 90;
  const bars = chart.labels.map((label, index) => {
    const value = chart.values[index] ?? 0;
    const width = max > 0 ? Math.max(1, (value / max) * span) : 1;
    const y = top + index * rowHeight;
    return (
      `<text x="${labelWidth - 8}" y="${y + 18}" text-anchor="end" font-size="13">${escapeXml(label.length > 24 ? `${label.slice(0, 23)}…` : label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="${rowHeight - 8}" fill="${palette[0]}" rx="2"/>` +
      `<text x="${(labelWidth + width + 6).toFixed(1)}" y="${y + 18}" font-size="12" fill="#333">${escapeXml(format(value))}</text>`
    );
  });
  return svg(height, chart.title, bars.join(''));
}

/**
 * Lines over shared x labels, one colour per series (at most eight shown in the legend).
 * @example lineChart({ title: 'Retention', labels: ['0', '1'], series: [{ name: '2024-05', values: [1, 0.3] }] })
 */
export function lineChart(chart: LineChart): string {
  const format = chart.format ?? plain;
  const height = 300;
  const left = 50;
  const right = 130;
  const top = 40;
  const bottom = 40;
  const plotWidth = WIDTH - left - right;
  const plotHeight = height - top - bottom;
  const values = chart.series.flatMap((series) => series.values.filter((value): value is number => value !== null));
  const max = chart.max ?? Math.max(0, ...values);
  const x = (index: number): number => left + (chart.labels.length <= 1 ? 0 : (index / (chart.labels.length - 1)) * plotWidth);
  const y = (value: number): number => top + plotHeight - (max > 0 ? (value / max) * plotHeight : 0);
  const parts: string[] = [
    `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="#999"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11">${escapeXml(format(max))}</text>`,
    `<text x="${left - 6}" y="${top + plotHeight + 4}" text-anchor="end" font-size="11">${escapeXml(format(0))}</text>`,
  ];
  chart.labels.forEach((label, index) => {
    parts.push(`<text x="${x(index).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="11">${escapeXml(label)}</text>`);
  });
  chart.series.slice(0, palette.length).forEach((series, index) => {
    const color = palette[index % palette.length] ?? '#333';
    const points = series.values.flatMap((value, i) => (value === null ? [] : [`${x(i).toFixed(1)},${y(value).toFixed(1)}`]));
    if (points.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    parts.push(`<rect x="${WIDTH - right + 12}" y="${top + index * 18}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${WIDTH - right + 28}" y="${top + index * 18 + 9}" font-size="11">${escapeXml(series.name)}</text>`);
  });
  return svg(height, chart.title, parts.join(''));
}

function svg(height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Arial, sans-serif">` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>` +
    `<text x="12" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>${body}</svg>`
  );
}
