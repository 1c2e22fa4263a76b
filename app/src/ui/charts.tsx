import { useEffect, useRef, useState, type RefObject } from 'react';
import { useLocale } from '../i18n/i18n';
import './charts.css';

/*
 * Small charts in plain SVG: a few hundred bytes each instead of a charting library on the
 * first load. Each is an image with a one-line summary for assistive technology; the numbers
 * themselves are in the DataTable every chart sits above (its text alternative). Right to left,
 * the bars grow from the right: positions are mirrored here, text is never flipped.
 */

export interface BarDatum {
  key: string;
  label: string;
  value: number;
  /** The value as the reader should see it (formatted in the locale). */
  display: string;
}

/** The element's width in CSS pixels, so one SVG unit is one pixel and text keeps its size on a phone. */
function useWidth(fallback: number): [RefObject<SVGSVGElement | null>, number] {
  const ref = useRef<SVGSVGElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current?.parentElement;
    if (element === null || element === undefined) return;
    const observer = new ResizeObserver(([entry]) => {
      const next = Math.floor(entry?.contentRect.width ?? fallback);
      if (next > 0) setWidth(Math.min(next, 900));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [fallback]);
  return [ref, width];
}

function useMirror(width: number): (x: number, w?: number) => number {
  const { locale } = useLocale();
  const rtl = locale === 'ar';
  return (x, w = 0) => (rtl ? width - x - w : x);
}

/** Horizontal bars, one per row: label, bar, value. */
export function BarChart({ summary, data, max }: { summary: string; data: BarDatum[]; max?: number }) {
  const [ref, width] = useWidth(640);
  const row = 30;
  const labelWidth = Math.min(220, Math.round(width * 0.38));
  const valueWidth = Math.min(100, Math.round(width * 0.22));
  const chars = Math.max(8, Math.floor(labelWidth / 7.5));
  const barSpace = width - labelWidth - valueWidth - 16;
  const top = Math.max(max ?? 0, ...data.map((datum) => datum.value), 0);
  const mirror = useMirror(width);
  const { locale } = useLocale();
  const anchorStart = locale === 'ar' ? 'end' : 'start';
  const anchorEnd = locale === 'ar' ? 'start' : 'end';
  const height = Math.max(row, data.length * row);
  return (
    <svg ref={ref} className="chart" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={summary}>
      {data.map((datum, index) => {
        const y = index * row;
        const barWidth = top <= 0 ? 0 : Math.max(datum.value > 0 ? 2 : 0, (datum.value / top) * barSpace);
        return (
          <g key={datum.key}>
            <text x={mirror(0)} y={y + row / 2} dominantBaseline="middle" textAnchor={anchorStart} className="chart-label">
              {datum.label.length > chars ? `${datum.label.slice(0, chars - 1)}…` : datum.label}
            </text>
            <rect x={mirror(labelWidth, barWidth)} y={y + 6} width={barWidth} height={row - 12} rx={3} className="chart-bar" />
            <text x={mirror(width)} y={y + row / 2} dominantBaseline="middle" textAnchor={anchorEnd} className="chart-value">
              {datum.display}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Vertical columns over a category axis (a distribution). */
export function ColumnChart({ summary, data }: { summary: string; data: BarDatum[] }) {
  const [ref, width] = useWidth(640);
  const height = 180;
  const axis = 28;
  const gap = 8;
  const top = Math.max(0, ...data.map((datum) => datum.value));
  const slot = data.length === 0 ? width : width / data.length;
  const mirror = useMirror(width);
  return (
    <svg ref={ref} className="chart" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={summary}>
      <line x1={0} x2={width} y1={height - axis} y2={height - axis} className="chart-axis" />
      {data.map((datum, index) => {
        const columnHeight = top <= 0 ? 0 : (datum.value / top) * (height - axis - 22);
        const x = mirror(index * slot + gap / 2, slot - gap);
        return (
          <g key={datum.key}>
            <rect x={x} y={height - axis - columnHeight} width={slot - gap} height={columnHeight} rx={3} className="chart-bar" />
            <text x={x + (slot - gap) / 2} y={height - axis - columnHeight - 6} textAnchor="middle" className="chart-value">
              {datum.display}
            </text>
            <text x={x + (slot - gap) / 2} y={height - 8} textAnchor="middle" className="chart-label">
              {datum.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface HeatCell {
  /** 0..1: how strong the colour is. */
  intensity: number | null;
  display: string;
}

/** A grid of coloured cells (cohort retention, RFM scores): rows down, columns across. */
export function Heatmap({ summary, rows, columns, cell }: { summary: string; rows: string[]; columns: string[]; cell: (row: number, column: number) => HeatCell }) {
  const rowLabel = 90;
  const head = 24;
  const size = 46;
  const width = rowLabel + Math.max(1, columns.length) * size;
  const height = head + rows.length * size;
  const mirror = useMirror(width);
  return (
    <svg className="chart heatmap" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={summary}>
      {columns.map((column, index) => (
        <text key={column} x={mirror(rowLabel + index * size + size / 2)} y={head - 8} textAnchor="middle" className="chart-label">
          {column}
        </text>
      ))}
      {rows.map((row, rowIndex) => (
        <g key={row}>
          <text x={mirror(rowLabel - 8)} y={head + rowIndex * size + size / 2} dominantBaseline="middle" textAnchor={mirror(0) === 0 ? 'end' : 'start'} className="chart-label">
            {row}
          </text>
          {columns.map((column, columnIndex) => {
            const value = cell(rowIndex, columnIndex);
            const x = mirror(rowLabel + columnIndex * size, size - 2);
            if (value.intensity === null) return null;
            const strong = value.intensity > 0.55;
            return (
              <g key={column}>
                <rect x={x} y={head + rowIndex * size} width={size - 2} height={size - 2} rx={3} className="heat-cell" style={{ fillOpacity: 0.08 + 0.92 * value.intensity }} />
                <text x={x + (size - 2) / 2} y={head + rowIndex * size + size / 2} dominantBaseline="middle" textAnchor="middle" className={strong ? 'heat-text strong' : 'heat-text'}>
                  {value.display}
                </text>
              </g>
            );
          })}
        </g>
      ))}
    </svg>
  );
}
