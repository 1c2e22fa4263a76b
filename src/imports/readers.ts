import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { parse, type CsvError } from 'csv-parse';
import type { ImportFormat } from './import-job.js';

/** One record of an import file: its fields, or why it could not be read, with its first line (1-based). */
export type SourceRecord = { ok: true; line: number; fields: Record<string, unknown> } | { ok: false; line: number; reason: string };

/**
 * A record may be at most this large. It bounds memory when a file is broken (an unclosed
 * quote would otherwise swallow the rest of a 1 GB file into one field).
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Streams the records of a CSV or NDJSON source, pulling only as fast as the consumer iterates
 * (backpressure end to end). `onBytes` is called with every chunk's size as it is read.
 * @example for await (const record of readRecords(fs.createReadStream(file), 'csv', (n) => (done += n))) ...
 */
export function readRecords(source: Readable, format: ImportFormat, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  return format === 'csv' ? readCsv(source, onBytes) : readNdjson(source, onBytes);
}

/** CSV headers become snake_case keys: "First Name" → first_name. */
export function normalizeHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

async function* readCsv(source: Readable, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = parse({
    bom: true,
    columns: (headers: string[]) => headers.map(normalizeHeader),
    info: true,
    raw: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: MAX_RECORD_BYTES,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error !== undefined) skipped.push({ ok: false, line: typeof error.lines === 'number' ? error.lines : 0, reason: csvReason(error) });
    },
  });
  // pipeline() propagates an error of any stage into the parser, which makes iteration throw.
  const done = pipeline(source, new ByteCounter(onBytes), new CrlfToLf(), parser);
  done.catch(() => undefined);
  for await (const chunk of parser) {
    const { record, endLine, raw } = csvChunk(chunk);
    const line = endLine - innerNewlines(raw);
    // Rows skipped by the parser are reported in line order among the good ones.
    for (let first = skipped[0]; first !== undefined && first.line < line; first = skipped[0]) {
      skipped.shift();
      yield first;
    }
    yield { ok: true, line, fields: record };
  }
  await done;
  yield* skipped;
}

/** The parser's output with `info` and `raw` (csv-parse types its records as `any`). */
function csvChunk(chunk: unknown): { record: Record<string, unknown>; endLine: number; raw: string } {
  if (typeof chunk !== 'object' || chunk === null || !('record' in chunk) || !('info' in chunk) || !('raw' in chunk)) {
    throw new Error('csv-parse returned a record without info and raw');
  }
  const { record, info, raw } = chunk;
  if (typeof record !== 'object' || record === null || typeof raw !== 'string' || typeof info !== 'object' || info === null) {
    throw new Error('csv-parse returned an unexpected record shape');
  }
  const endLine = 'lines' in info && typeof info.lines === 'number' ? info.lines : 0;
  return { record: { ...record }, endLine, raw };
}

/**
 * Line breaks inside a record's raw text. `info.lines` is the line the record ends on; the raw
 * text carries skipped blank lines before it and its own terminator after it, neither of which
 * is part of the record.
 */
function innerNewlines(raw: string): number {
  let start = 0;
  while (raw[start] === '\n') start += 1;
  let end = raw.length;
  if (raw[end - 1] === '\n') end -= 1;
  let count = 0;
  for (let i = start; i < end; i++) if (raw.charCodeAt(i) === 10) count += 1;
  return count;
}

function csvReason(error: CsvError): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'wrong number of columns for the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record is larger than ${MAX_RECORD_BYTES} bytes (an unclosed quote?)`;
    default:
      return error.message;
  }
}

async function* readNdjson(source: Readable, onBytes: (bytes: number) => void): AsyncGenerator<SourceRecord> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  // Set while the rest of an oversized line is being skipped.
  let oversized = false;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : toBuffer(chunk);
    onBytes(buffer.length);
    const text = pending + decoder.write(buffer);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      line += 1;
      if (oversized || newline - start > MAX_RECORD_BYTES) {
        oversized = false;
        yield { ok: false, line, reason: `a line is longer than ${MAX_RECORD_BYTES} bytes` };
      } else {
        const record = parseJsonLine(text.slice(start, newline), line);
        if (record !== undefined) yield record;
      }
      start = newline + 1;
    }
    pending = text.slice(start);
    if (pending.length > MAX_RECORD_BYTES) {
      oversized = true;
      pending = '';
    }
  }
  pending += decoder.end();
  if (oversized) yield { ok: false, line: line + 1, reason: `a line is longer than ${MAX_RECORD_BYTES} bytes` };
  else if (pending.trim() !== '') {
    const record = parseJsonLine(pending, line + 1);
    if (record !== undefined) yield record;
  }
}

function parseJsonLine(text: string, line: number): SourceRecord | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, line, reason: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, line, reason: 'each line must be a JSON object' };
  return { ok: true, line, fields: { ...value } };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new Error('import sources must yield bytes or strings');
}

/** Counts bytes as they pass. */
class ByteCounter extends Transform {
  constructor(private readonly onBytes: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : toBuffer(chunk);
    this.onBytes(buffer.length);
    callback(null, buffer);
  }
}

/**
 * Rewrites CRLF to LF before parsing: csv-parse 7 counts a blank CRLF line twice in
 * `info.lines`, which would shift every reported line number after it.
 */
class CrlfToLf extends Transform {
  private heldCr = false;

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk) : toBuffer(chunk);
    if (this.heldCr) buffer = Buffer.concat([Buffer.from('\r'), buffer]);
    this.heldCr = buffer.length > 0 && buffer[buffer.length - 1] === 13;
    if (this.heldCr) buffer = buffer.subarray(0, buffer.length - 1);
    callback(null, stripCrBeforeLf(buffer));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.heldCr ? Buffer.from('\r') : undefined);
  }
}

function stripCrBeforeLf(buffer: Buffer): Buffer {
  if (buffer.indexOf(13) === -1) return buffer;
  const out = Buffer.allocUnsafe(buffer.length);
  let length = 0;
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i] ?? 0;
    if (byte === 13 && buffer[i + 1] === 10) continue;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}
