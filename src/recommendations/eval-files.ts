import fs from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { RapportError } from '../shared/errors.js';
import { DatasetBuilder, type InteractionDataset } from './dataset.js';
import { addBasketJson, addCsvRecord, addSequenceLine, csvColumns, type CsvColumns } from './formats.js';

/*
 * Reads interaction files for the evaluation harness: the S3-Rec sequence format, CSV
 * (user, item, timestamp) and next-basket JSON, plain or gzipped (detected by the magic bytes).
 */

export type InteractionFormat = 'sequences' | 'csv' | 'baskets';

export interface ReadOptions {
  format?: InteractionFormat;
  columns?: Partial<Record<keyof CsvColumns, string>>;
}

/**
 * The format a file name implies: .csv → csv, .json → baskets, anything else → sequences.
 * @example formatOf('tafeng_history.json.gz') // 'baskets'
 */
export function formatOf(file: string): InteractionFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.json')) return 'baskets';
  return 'sequences';
}

function openText(file: string): Readable {
  let descriptor: number;
  try {
    descriptor = fs.openSync(file, 'r');
  } catch (error) {
    throw new RapportError('recommendation.eval_file_invalid', `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const magic = Buffer.alloc(2);
  fs.readSync(descriptor, magic, 0, 2, 0);
  const stream = fs.createReadStream(file, { fd: descriptor });
  return magic[0] === 0x1f && magic[1] === 0x8b ? stream.pipe(createGunzip()) : stream;
}

/**
 * Reads one or more files into one dataset (later files append: a next-basket "future" file
 * after its "history" file puts the target baskets last).
 * @example const dataset = await readInteractionFiles(['Beauty.txt.gz']);
 */
export async function readInteractionFiles(files: string[], options: ReadOptions = {}): Promise<InteractionDataset> {
  const builder = new DatasetBuilder();
  const basketOffsets = new Map<string, number>();
  for (const file of files) {
    const format = options.format ?? formatOf(file);
    if (format === 'sequences') {
      let lineNumber = 0;
      for await (const line of readline.createInterface({ input: openText(file), crlfDelay: Infinity })) {
        lineNumber++;
        const result = addSequenceLine(builder, line);
        if (!result.ok) throw new RapportError('recommendation.eval_file_invalid', `${file}:${lineNumber}: ${result.message}`);
      }
    } else if (format === 'baskets') {
      const chunks: Buffer[] = [];
      for await (const chunk of openText(file)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      let document: unknown;
      try {
        document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        throw new RapportError('recommendation.eval_file_invalid', `${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      const result = addBasketJson(builder, document, basketOffsets);
      if (!result.ok) throw new RapportError('recommendation.eval_file_invalid', `${file}: ${result.message}`);
    } else {
      let columns: CsvColumns | undefined;
      let recordNumber = 0;
      for await (const record of openText(file).pipe(parse({ relax_column_count: true, skip_empty_lines: true }))) {
        recordNumber++;
        if (!Array.isArray(record)) continue;
        const fields = record.map((field) => String(field));
        if (columns === undefined) {
          const found = csvColumns(fields, options.columns);
          if ('error' in found) throw new RapportError('recommendation.eval_file_invalid', `${file}: ${found.error}`);
          columns = found.columns;
          if (found.hasHeader) continue;
        }
        const result = addCsvRecord(builder, fields, columns);
        if (!result.ok) throw new RapportError('recommendation.eval_file_invalid', `${file}: record ${recordNumber}: ${result.message}`);
      }
    }
  }
  const dataset = builder.build();
  if (dataset.sequences.length === 0) throw new RapportError('recommendation.eval_file_invalid', `no interactions in ${files.join(', ')}`);
  return dataset;
}
