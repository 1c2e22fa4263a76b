/*
 * Turns parsed CSV records (header → text) into the models' inputs: orders (customer, date,
 * amount) or ready-made (x, t_x, T, monetary) summaries. Column names are matched against the
 * spellings of the common tools (lifetimes, BTYD, shop exports) unless given explicitly.
 */
import type { BgBbRow } from './bgbb.js';
import type { CustomerSummary, Transaction } from './summary.js';

export type CsvRecord = Record<string, string | undefined>;

/** A rejected input, as a value: which line, what is wrong. */
export interface RecordIssue {
  /** 1-based data line (the header is line 0). */
  line: number;
  message: string;
}

export interface TransactionColumns {
  customer?: string;
  date?: string;
  amount?: string;
}

const CUSTOMER_NAMES = ['customer_id', 'customerid', 'customer', 'cust', 'id', 'user_id', 'userid', 'household_id', 'sampleid', 'masterid', 'client_id'];
const DATE_NAMES = ['date', 'order_date', 'timestamp', 'transaction_timestamp', 'created_at', 'datetime', 'time'];
const AMOUNT_NAMES = ['amount', 'sales', 'revenue', 'total', 'value', 'dollar_value', 'sales_value', 'price', 'monetary'];

function pick(header: readonly string[], explicit: string | undefined, names: readonly string[], what: string): string | RecordIssue {
  if (explicit !== undefined) return header.includes(explicit) ? explicit : { line: 0, message: `column "${explicit}" for the ${what} is not in the header (${header.join(', ')})` };
  const lower = header.map((name) => name.trim().toLowerCase());
  for (const name of names) {
    const index = lower.indexOf(name);
    if (index >= 0) return header[index] ?? name;
  }
  return { line: 0, message: `no ${what} column found; name one of ${names.join(', ')} or pass it explicitly` };
}

/**
 * Parses a date as YYYY-MM-DD, YYYYMMDD or an ISO date-time (UTC unless it has an offset).
 * @example parseDate('19970101') // Date.UTC(1997, 0, 1)
 */
export function parseDate(text: string): number | null {
  const value = text.trim();
  let match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (match) return utc(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match) return utc(Number(match[1]), Number(match[2]), Number(match[3]));
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) {
    const iso = value.replace(' ', 'T');
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

function utc(year: number, month: number, day: number): number | null {
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  return check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? ms : null;
}

/**
 * Orders from CSV records; bad lines come back as issues, not exceptions.
 * @example transactionsFromRecords([{ customer_id: 'a', date: '2024-01-02', amount: '9.5' }])
 */
export function transactionsFromRecords(records: readonly CsvRecord[], columns: TransactionColumns = {}): { transactions: Transaction[]; issues: RecordIssue[] } {
  const header = Object.keys(records[0] ?? {});
  const customer = pick(header, columns.customer, CUSTOMER_NAMES, 'customer id');
  const date = pick(header, columns.date, DATE_NAMES, 'date');
  if (typeof customer !== 'string') return { transactions: [], issues: [customer] };
  if (typeof date !== 'string') return { transactions: [], issues: [date] };
  const amountColumn = pick(header, columns.amount, AMOUNT_NAMES, 'amount');
  if (typeof amountColumn !== 'string' && columns.amount !== undefined) return { transactions: [], issues: [amountColumn] };
  const amountName = typeof amountColumn === 'string' ? amountColumn : undefined;
  const transactions: Transaction[] = [];
  const issues: RecordIssue[] = [];
  records.forEach((record, index) => {
    const line = index + 1;
    const id = record[customer]?.trim() ?? '';
    if (id === '') return issues.push({ line, message: `empty customer id in column "${customer}"` });
    const at = parseDate(record[date] ?? '');
    if (at === null) return issues.push({ line, message: `date "${record[date] ?? ''}" in column "${date}" is not YYYY-MM-DD, YYYYMMDD or an ISO date-time` });
    let amount = 0;
    if (amountName !== undefined) {
      amount = Number(record[amountName]);
      if (!Number.isFinite(amount)) return issues.push({ line, message: `amount "${record[amountName] ?? ''}" in column "${amountName}" is not a number` });
    }
    transactions.push({ customerId: id, at, amount });
    return undefined;
  });
  return { transactions, issues };
}

/**
 * (x, t_x, T[, monetary]) summaries from CSV records with lifetimes or BTYD column names.
 * @example summariesFromRecords([{ frequency: '2', recency: '30.43', T: '38.86' }])
 */
export function summariesFromRecords(records: readonly CsvRecord[]): { rows: CustomerSummary[]; issues: RecordIssue[] } {
  const header = Object.keys(records[0] ?? {});
  const x = pick(header, undefined, ['x', 'frequency'], 'x (repeat purchases)');
  const tx = pick(header, undefined, ['t_x', 'tx', 't.x', 'recency'], 't_x (recency)');
  const T = pick(header, undefined, ['t', 't_cal', 't.cal'], 'T (time observed)');
  for (const found of [x, tx, T]) if (typeof found !== 'string') return { rows: [], issues: [found] };
  const monetaryColumn = pick(header, undefined, ['monetary', 'monetary_value', 'zbar', 'm_x', 'm.x'], 'monetary');
  const rows: CustomerSummary[] = [];
  const issues: RecordIssue[] = [];
  records.forEach((record, index) => {
    const values = [x, tx, T].map((column) => Number(record[String(column)]));
    if (!values.every(Number.isFinite))
      return issues.push({ line: index + 1, message: `x, t_x and T must be numbers (got ${[x, tx, T].map((column) => JSON.stringify(record[String(column)])).join(', ')})` });
    const row: CustomerSummary = { x: values[0] ?? 0, tx: values[1] ?? 0, T: values[2] ?? 0 };
    if (typeof monetaryColumn === 'string') {
      const m = Number(record[monetaryColumn]);
      if (!Number.isFinite(m)) return issues.push({ line: index + 1, message: `monetary "${record[monetaryColumn] ?? ''}" is not a number` });
      row.monetary = m;
    }
    rows.push(row);
    return undefined;
  });
  return { rows, issues };
}

/**
 * BG/BB patterns (x, t_x, n, weight) from CSV records with lifetimes or BTYD column names
 * (frequency/x, recency/t.x, periods/n.cal, weights/custs; weight 1 when absent).
 * @example bgbbRowsFromRecords([{ frequency: '2', recency: '4', periods: '6', weights: '100' }])
 */
export function bgbbRowsFromRecords(records: readonly CsvRecord[]): { rows: BgBbRow[]; issues: RecordIssue[] } {
  const header = Object.keys(records[0] ?? {});
  const x = pick(header, undefined, ['x', 'frequency'], 'x (purchase opportunities taken)');
  const tx = pick(header, undefined, ['t_x', 'tx', 't.x', 'recency'], 't_x (last opportunity taken)');
  const n = pick(header, undefined, ['n', 'n_cal', 'n.cal', 'periods'], 'n (opportunities)');
  for (const found of [x, tx, n]) if (typeof found !== 'string') return { rows: [], issues: [found] };
  const weightColumn = pick(header, undefined, ['weight', 'weights', 'custs', 'customers', 'count'], 'weight');
  const rows: BgBbRow[] = [];
  const issues: RecordIssue[] = [];
  records.forEach((record, index) => {
    const values = [x, tx, n].map((column) => Number(record[String(column)]));
    const weight = typeof weightColumn === 'string' ? Number(record[weightColumn]) : 1;
    if (!values.every(Number.isFinite) || !Number.isFinite(weight)) return issues.push({ line: index + 1, message: 'x, t_x, n and the weight must be numbers' });
    rows.push({ x: values[0] ?? 0, tx: values[1] ?? 0, n: values[2] ?? 0, weight });
    return undefined;
  });
  return { rows, issues };
}
