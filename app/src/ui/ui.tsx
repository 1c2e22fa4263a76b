import { useId, type ButtonHTMLAttributes, type ReactElement, type ReactNode } from 'react';
import { ApiError, downloadText } from '../api/client';
import { errorText } from '../i18n/errors';
import { defineMessages, useLocale, useT } from '../i18n/i18n';

/*
 * The shared building blocks every screen uses, so all of them look, read and behave alike:
 * native elements first (a <button> is a button to every assistive technology), visible focus,
 * logical CSS properties so Arabic mirrors without a second stylesheet.
 */

const messages = defineMessages({
  en: { loading: 'Loading…', retry: 'Try again', downloadCsv: 'Download CSV', empty: 'Nothing here yet.', error: 'Something went wrong' },
  ar: { loading: 'جارٍ التحميل…', retry: 'حاول مرة أخرى', downloadCsv: 'تنزيل CSV', empty: 'لا يوجد شيء هنا بعد.', error: 'حدث خطأ ما' },
  ja: { loading: '読み込み中…', retry: '再試行', downloadCsv: 'CSV をダウンロード', empty: 'まだ何もありません。', error: 'エラーが発生しました' },
});

export function Page({ title, description, actions, children }: { title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">{title}</h1>
          {description === undefined ? null : <p className="muted">{description}</p>}
        </div>
        {actions === undefined ? null : <div className="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={title === undefined ? undefined : id}>
      {title === undefined && actions === undefined ? null : (
        <header className="card-header">
          {title === undefined ? <span /> : <h2 id={id}>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

export function Stat({ label, value, detail, tone }: { label: string; value: ReactNode; detail?: ReactNode; tone?: 'good' | 'bad' | 'neutral' }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {detail === undefined ? null : <div className="stat-detail">{detail}</div>}
    </div>
  );
}

export function Button({ variant = 'secondary', busy, children, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: 'primary' | 'secondary' | 'danger' | 'ghost'; busy?: boolean }) {
  return (
    <button type="button" {...rest} className={`button ${variant} ${rest.className ?? ''}`} aria-busy={busy === true ? true : undefined} disabled={rest.disabled === true || busy === true}>
      {children}
    </button>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'good' | 'bad' | 'warn' | 'neutral' | 'info'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

/**
 * A labelled form control with its hint and its error (the API's own message for that field).
 * `children` receives the ids to put on the control.
 */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactElement;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [hint === undefined ? undefined : hintId, error === undefined ? undefined : errorId].filter(Boolean).join(' ');
  return (
    <div className={`field ${error === undefined ? '' : 'invalid'}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(described === '' ? {} : { 'aria-describedby': described }), ...(error === undefined ? {} : { 'aria-invalid': true }) })}
      {hint === undefined ? null : (
        <div id={hintId} className="hint">
          {hint}
        </div>
      )}
      {error === undefined ? null : (
        <div id={errorId} className="error-text" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const t = useT(messages);
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('loading')}
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const t = useT(messages);
  return <p className="empty">{children ?? t('empty')}</p>;
}

/** An error from a query or a mutation, with the API's message and a retry when one is given. */
/** An error's text in the reader's language: API errors by their code (the server's English words beside a translation), others as they are. */
export function ErrorText({ error }: { error: unknown }) {
  const { locale } = useLocale();
  const shown = error instanceof ApiError ? errorText(locale, error) : { text: error instanceof Error ? error.message : String(error) };
  return (
    <>
      <span>{shown.text}</span>
      {shown.detail === undefined ? null : (
        <span className="muted small" lang="en" dir="ltr">
          {' '}
          ({shown.detail})
        </span>
      )}
    </>
  );
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(messages);
  if (error === null || error === undefined) return null;
  return (
    <div className="notice bad" role="alert">
      <strong>{t('error')}:</strong> <ErrorText error={error} />
      {error instanceof ApiError && error.code !== '' ? <code className="code">{error.code}</code> : null}
      {onRetry === undefined ? null : (
        <Button variant="ghost" onClick={onRetry}>
          {t('retry')}
        </Button>
      )}
    </div>
  );
}

export interface Column<Row> {
  key: string;
  header: string;
  /** What the cell shows. */
  cell: (row: Row) => ReactNode;
  /** The plain value for CSV (defaults to the cell when it is a string or number). */
  csv?: (row: Row) => string | number | null | undefined;
  numeric?: boolean;
}

function csvEscape(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv<Row>(columns: Column<Row>[], rows: Row[]): string {
  const lines = [columns.map((column) => csvEscape(column.header)).join(',')];
  for (const row of rows)
    lines.push(
      columns
        .map((column) => {
          const value = column.csv !== undefined ? column.csv(row) : column.cell(row);
          return csvEscape(typeof value === 'string' || typeof value === 'number' ? value : '');
        })
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

/** A data table with a caption and, when `csvName` is given, a CSV download of exactly its rows. */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  csvName,
  empty,
}: {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  rowKey: (row: Row, index: number) => string;
  csvName?: string;
  empty?: ReactNode;
}) {
  const t = useT(messages);
  return (
    // Focusable so a keyboard can scroll a table wider than a phone (axe: scrollable-region-focusable).
    <div className="table-wrap" tabIndex={0} role="group" aria-label={caption}>
      {csvName === undefined ? null : (
        <div className="table-tools">
          <Button variant="ghost" onClick={() => downloadText(`${csvName}.csv`, toCsv(columns, rows))}>
            {t('downloadCsv')}
          </Button>
        </div>
      )}
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={column.numeric === true ? 'num' : undefined}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length}>{empty ?? t('empty')}</td>
            </tr>
          ) : (
            rows.map((row, index) => (
              <tr key={rowKey(row, index)}>
                {columns.map((column) => (
                  <td key={column.key} className={column.numeric === true ? 'num' : undefined}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
