import { Type, type Static } from '@sinclair/typebox';

/*
 * Import job schemas: the API shape of a bulk import and its progress. A job's rows live in
 * `import_jobs`; the repository turns them into `ImportJob`.
 */

export const importKinds = ['customers', 'orders', 'products', 'events'] as const;
export const ImportKind = Type.Union(importKinds.map((kind) => Type.Literal(kind)));
export type ImportKind = (typeof importKinds)[number];

export const importFormats = ['csv', 'ndjson'] as const;
export const ImportFormat = Type.Union(importFormats.map((format) => Type.Literal(format)));
export type ImportFormat = (typeof importFormats)[number];

export const importStatuses = ['queued', 'running', 'completed', 'failed'] as const;
export const ImportStatus = Type.Union(importStatuses.map((status) => Type.Literal(status)));
export type ImportStatus = (typeof importStatuses)[number];

/** A row that was not imported: its first line in the file (1-based, the header is line 1) and why. */
export const RowError = Type.Object({ line: Type.Integer({ minimum: 1 }), reason: Type.String() });
export type RowError = Static<typeof RowError>;

/** Only the first this-many row errors are kept; `rowsFailed` counts them all. */
export const MAX_KEPT_ROW_ERRORS = 1000;

export const ImportJob = Type.Object({
  id: Type.String(),
  kind: ImportKind,
  format: ImportFormat,
  /** What the caller called the source, usually the file name. */
  name: Type.String(),
  status: ImportStatus,
  bytesTotal: Type.Union([Type.Integer(), Type.Null()]),
  bytesDone: Type.Integer(),
  /** bytesDone / bytesTotal in percent (one decimal); null when the size is unknown. */
  percent: Type.Union([Type.Number(), Type.Null()]),
  rowsOk: Type.Integer(),
  rowsFailed: Type.Integer(),
  errors: Type.Array(RowError),
  /** Why a failed job stopped (rows before it are kept). */
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ImportJob = Static<typeof ImportJob>;

export function isImportKind(value: string): value is ImportKind {
  return importKinds.some((kind) => kind === value);
}

export function isImportFormat(value: string): value is ImportFormat {
  return importFormats.some((format) => format === value);
}

export function isImportStatus(value: string): value is ImportStatus {
  return importStatuses.some((status) => status === value);
}

/** Percent with one decimal, capped at 100; a finished job is 100 whatever the byte count says. */
export function importPercent(status: ImportStatus, bytesDone: number, bytesTotal: number | null): number | null {
  if (status === 'completed') return 100;
  if (bytesTotal === null || bytesTotal <= 0) return null;
  return Math.min(100, Math.floor((bytesDone / bytesTotal) * 1000) / 10);
}
