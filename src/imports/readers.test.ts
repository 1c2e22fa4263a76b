import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ImportFormat } from './import-job.js';
import { MAX_RECORD_BYTES, normalizeHeader, readRecords, type SourceRecord } from './readers.js';

async function read(text: string | Buffer[], format: ImportFormat): Promise<{ records: SourceRecord[]; bytes: number }> {
  const chunks = typeof text === 'string' ? [Buffer.from(text)] : text;
  let bytes = 0;
  const records: SourceRecord[] = [];
  for await (const record of readRecords(Readable.from(chunks), format, (n) => (bytes += n))) records.push(record);
  return { records, bytes };
}

const summary = (records: SourceRecord[]) => records.map((record) => (record.ok ? [record.line, record.fields] : [record.line, record.reason]));

describe('readRecords (csv)', () => {
  it('numbers records by their first line, across quoted multi-line fields and blank lines', async () => {
    const csv = ['Email,Note', 'a@x.co,one', '', 'b@x.co,"two', 'lines"', 'c@x.co,"three', '', 'with a blank"', 'd@x.co,four'].join('\n');
    const { records, bytes } = await read(csv, 'csv');
    expect(bytes).toBe(Buffer.byteLength(csv));
    expect(summary(records)).toEqual([
      [2, { email: 'a@x.co', note: 'one' }],
      [4, { email: 'b@x.co', note: 'two\nlines' }],
      [6, { email: 'c@x.co', note: 'three\n\nwith a blank' }],
      [9, { email: 'd@x.co', note: 'four' }],
    ]);
  });

  it('counts CRLF files the same way, even when a CR and its LF fall in different chunks', async () => {
    const csv = 'First Name,Last Name\r\nAda,Lovelace\r\n\r\n"Grace\r\nB.",Hopper\r\nAlan,Turing\r\n';
    const split = csv.indexOf('\n', 30);
    const chunks = [Buffer.from(csv.slice(0, split)), Buffer.from(csv.slice(split))];
    const { records } = await read(chunks, 'csv');
    expect(summary(records)).toEqual([
      [2, { first_name: 'Ada', last_name: 'Lovelace' }],
      [4, { first_name: 'Grace\nB.', last_name: 'Hopper' }],
      [6, { first_name: 'Alan', last_name: 'Turing' }],
    ]);
  });

  it('reports broken records with their line and keeps reading', async () => {
    const csv = '\uFEFFa,b\n1,2\n3\n4,5,6\n7,8\n9,"unclosed\n';
    const { records } = await read(csv, 'csv');
    expect(summary(records)).toEqual([
      [2, { a: '1', b: '2' }],
      [3, 'wrong number of columns for the header'],
      [4, 'wrong number of columns for the header'],
      [5, { a: '7', b: '8' }],
      [6, 'a quoted field is not closed'],
    ]);
  });

  it('normalizes headers to snake_case', () => {
    expect(normalizeHeader(' First Name ')).toBe('first_name');
    expect(normalizeHeader('E-Mail')).toBe('e_mail');
    expect(normalizeHeader('Zip/Postal Code')).toBe('zip_postal_code');
  });
});

describe('readRecords (ndjson)', () => {
  it('yields one object per line with its number; bad lines are values', async () => {
    const text = '{"a":1}\r\n\n[1]\n{oops\n{"b":"é"}';
    // Split inside the two-byte é so the decoder has to join the halves.
    const bytes = Buffer.from(text);
    const cut = bytes.length - 3;
    const { records } = await read([bytes.subarray(0, cut), bytes.subarray(cut)], 'ndjson');
    expect(summary(records)).toEqual([
      [1, { a: 1 }],
      [3, 'each line must be a JSON object'],
      [4, expect.stringContaining('not valid JSON')],
      [5, { b: 'é' }],
    ]);
  });

  it('skips a line longer than the record limit without holding it', async () => {
    const long = `{"x":"${'y'.repeat(MAX_RECORD_BYTES + 10)}"}`;
    const chunks = [Buffer.from('{"a":1}\n'), ...chunk(Buffer.from(`${long}\n`), 64 * 1024), Buffer.from('{"a":2}\n')];
    const { records } = await read(chunks, 'ndjson');
    expect(summary(records)).toEqual([
      [1, { a: 1 }],
      [2, expect.stringContaining('longer than')],
      [3, { a: 2 }],
    ]);
  });
});

function chunk(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < buffer.length; start += size) out.push(buffer.subarray(start, start + size));
  return out;
}
