import type { DatasetBuilder } from './dataset.js';

/*
 * Interaction file formats the evaluation harness reads, parsed line by line (the reading itself
 * is in eval-files.ts). Failures are values naming the line and what is wrong.
 */

export type LineResult = { ok: true } | { ok: false; message: string };

/**
 * One line of the S3-Rec sequence format: `user item item ...` in time order. Each item gets
 * its position as time, so every item is its own group.
 * @example addSequenceLine(builder, '1 10 11 12') // { ok: true }
 */
export function addSequenceLine(builder: DatasetBuilder, line: string): LineResult {
  const parts = line.trim().split(/\s+/);
  if (parts.length === 1 && parts[0] === '') return { ok: true };
  const [user, ...items] = parts;
  if (user === undefined || items.length === 0) return { ok: false, message: 'expected "user item item ..." (a user id and at least one item id, space-separated)' };
  items.forEach((item, position) => builder.add(user, item, position));
  return { ok: true };
}

/**
 * A timestamp as milliseconds: a number (seconds or milliseconds since the epoch, or any
 * increasing ordinal) or an ISO 8601 date-time. Undefined when unreadable.
 * @example parseTime('2017-01-28T14:06:53') // 1485612413000 (read as UTC)
 */
export function parseTime(value: string): number | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  // Date-times without an offset are read as UTC so results do not depend on the machine's zone.
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text) ? `${text.replace(' ', 'T')}${text.length > 10 ? 'Z' : ''}` : text;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Which CSV columns hold the user, the item and the time. */
export interface CsvColumns {
  user: number;
  item: number;
  time: number;
}

/**
 * Finds the columns in a header row: `user`/`user_id`/`customer_id`/`household_id`/`visitorid`,
 * `item`/`item_id`/`product_id`/`itemid`, `timestamp`/`time`/`t`/`transaction_timestamp`; or the
 * names given. Without a recognizable header, the first three columns in that order.
 * @example csvColumns(['user', 'item', 'timestamp']) // { user: 0, item: 1, time: 2 }
 */
export function csvColumns(header: string[], names: Partial<Record<keyof CsvColumns, string>> = {}): { columns: CsvColumns; hasHeader: boolean } | { error: string } {
  const lower = header.map((name) => name.trim().toLowerCase());
  const find = (key: keyof CsvColumns, candidates: string[]): number => {
    const wanted = names[key];
    if (wanted !== undefined) return lower.indexOf(wanted.toLowerCase());
    return lower.findIndex((name) => candidates.includes(name));
  };
  const user = find('user', ['user', 'user_id', 'userid', 'customer_id', 'household_id', 'visitorid', 'profile_id']);
  const item = find('item', ['item', 'item_id', 'itemid', 'product_id', 'productid', 'sku']);
  const time = find('time', ['timestamp', 'time', 't', 'transaction_timestamp', 'date', 'created_at']);
  const named = Object.values(names).some((value) => value !== undefined);
  if (user >= 0 && item >= 0 && time >= 0) return { columns: { user, item, time }, hasHeader: true };
  if (named) {
    const missing = (['user', 'item', 'time'] as const).filter((key) => find(key, []) < 0 && names[key] !== undefined);
    return { error: `the CSV header has no column ${missing.map((key) => `"${names[key] ?? key}"`).join(', ') || 'for user, item and time'}; header is: ${header.join(',')}` };
  }
  if (user >= 0 || item >= 0) return { error: `the CSV header names ${header.join(',')}; it needs user, item and timestamp columns (or pass --user-col, --item-col, --time-col)` };
  return { columns: { user: 0, item: 1, time: 2 }, hasHeader: false };
}

/**
 * Adds one CSV record (already split into fields).
 * @example addCsvRecord(builder, ['u1', 'p9', '1700000000'], { user: 0, item: 1, time: 2 })
 */
export function addCsvRecord(builder: DatasetBuilder, record: string[], columns: CsvColumns): LineResult {
  const user = record[columns.user]?.trim();
  const item = record[columns.item]?.trim();
  const timeText = record[columns.time];
  if (user === undefined || user === '') return { ok: false, message: `column ${columns.user + 1} (user) is empty` };
  if (item === undefined || item === '') return { ok: false, message: `column ${columns.item + 1} (item) is empty` };
  const time = timeText === undefined ? undefined : parseTime(timeText);
  if (time === undefined) return { ok: false, message: `column ${columns.time + 1} (time) "${timeText ?? ''}" is not a number or an ISO 8601 date-time` };
  builder.add(user, item, time);
  return { ok: true };
}

/**
 * A next-basket JSON document `{user: [[-1], basket, basket, ..., [-1]]}` (the Reality Check
 * format of Li et al., TOIS 2023; `[-1]` entries are sentinels). Baskets get increasing times
 * starting at `firstTime`, so appending a second file (the future baskets) puts them last.
 * @example addBasketJson(builder, { '1': [[-1], [3, 4], [5], [-1]] }, 0)
 */
export function addBasketJson(builder: DatasetBuilder, document: unknown, offsets: Map<string, number>): LineResult {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return { ok: false, message: 'expected a JSON object {user: [[basket], ...]}' };
  for (const [user, baskets] of Object.entries(document)) {
    if (!Array.isArray(baskets)) return { ok: false, message: `user "${user}": expected an array of baskets` };
    let time = offsets.get(user) ?? 0;
    for (const basket of baskets) {
      if (!Array.isArray(basket)) return { ok: false, message: `user "${user}": a basket is not an array` };
      if (basket.length === 1 && basket[0] === -1) continue;
      for (const item of basket) {
        if (typeof item !== 'number' && typeof item !== 'string') return { ok: false, message: `user "${user}": item ${JSON.stringify(item)} is not a number or string` };
        builder.add(user, String(item), time);
      }
      time++;
    }
    offsets.set(user, time);
  }
  return { ok: true };
}
