import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { field } from '../demo/demo-api.js';
import type { Rapport } from '../rapport.js';
import type { Segment } from '../segments/index.js';
import { RapportError } from '../shared/errors.js';
import { DEFAULT_WORKSPACE } from '../workspaces/index.js';
import { createProgress } from './progress.js';
import { helpText } from './command-help.js';
import { connectPlatform, type CliPlatform } from './platform.js';

const USAGE = helpText('segments');

function readCondition(value: string | undefined): unknown {
  if (value === undefined) throw new RapportError('cli.usage', 'pass --condition with JSON or @file.json');
  const text = value.startsWith('@') ? fs.readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch {
    throw new RapportError('cli.usage', '--condition is not valid JSON');
  }
}

function line(segment: Segment): string {
  const status = segment.status === 'backfilling' ? `backfilling ${segment.backfill.percent}%` : segment.status;
  return `${segment.id}  ${segment.kind.padEnd(7)}  ${String(segment.members).padStart(8)} members  ${status.padEnd(16)}  ${segment.name}`;
}

/** A segment as the API answers it (a narrow adapter: the server's response schema guarantees the shape). */
function asSegment(body: unknown): Segment {
  if (typeof body !== 'object' || body === null || !('id' in body) || !('kind' in body)) throw new RapportError('unavailable', `unexpected answer: ${JSON.stringify(body)}`);
  return body as Segment;
}

function listOf(body: unknown, key: string): unknown[] {
  const value = field(body, key);
  return Array.isArray(value) ? value : [];
}

/** Runs every pending backfill in the foreground with a progress bar (in-process: no server backfills). */
async function backfill(rapport: Rapport, workspaceId: string): Promise<void> {
  for (const segment of await rapport.segments.list(workspaceId)) {
    if (segment.status !== 'backfilling') continue;
    const bar = createProgress(process.stderr, { label: `backfill ${segment.name}`, total: Math.max(segment.backfill.total, 1), unit: 'profiles' });
    let done = segment.backfill.done;
    for (;;) {
      const { processed } = await rapport.segments.engine.backfillStep(workspaceId, segment.id, segment.version, 1000);
      if (processed === 0) break;
      done += processed;
      bar.update(done);
    }
    const after = await rapport.segments.get(workspaceId, segment.id);
    bar.finish(`${after.members} members`);
  }
}

const EMPTY_LIST = 'No segments yet. Create one with: rapport segments create "Bought twice" --condition \'{"type":"computed","key":"orders","op":"gte","value":2}\'';

/** `upload ID FILE [--replace]`: a static list's members from CSV, then what matched and the first misses. */
async function uploadList(call: CliPlatform['call'], segmentId: string, file: string, replace: boolean): Promise<void> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const result = await call('POST', `/api/v1/segments/${segmentId}/members${replace ? '?mode=replace' : ''}`, 'uploading the list', { csv: fs.readFileSync(file, 'utf8') });
  out(`${String(field(result, 'rows'))} rows, ${String(field(result, 'matched'))} profiles matched, ${String(field(result, 'entered'))} entered, ${String(field(result, 'exited'))} exited`);
  for (const miss of listOf(result, 'unmatched').slice(0, 20)) out(`  line ${String(field(miss, 'line'))}: ${String(field(miss, 'reason'))}`);
}

/** Prints every member, page by page; answers how many there were. */
async function printMembers(call: CliPlatform['call'], segmentId: string): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await call('GET', `/api/v1/segments/${segmentId}/members?limit=1000${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, 'listing the members');
    for (const member of listOf(page, 'members')) process.stdout.write(`${String(field(member, 'profileId'))}  ${String(field(member, 'enteredAt'))}\n`);
    count += listOf(page, 'members').length;
    const next = field(page, 'nextCursor');
    cursor = typeof next === 'string' ? next : undefined;
  } while (cursor !== undefined);
  return count;
}

/**
 * `rapport segments ...`: manage segments from the command line, through the running server's
 * API when one answers, else in this process (see platform.ts).
 * @example await segmentsCommand(['list']);
 */
export async function segmentsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string', short: 'w' }, condition: { type: 'string' }, name: { type: 'string' }, csv: { type: 'boolean' }, replace: { type: 'boolean' } },
  });
  const [action, first, second] = positionals;
  if (action === undefined || action === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const workspaceId = values.workspace ?? DEFAULT_WORKSPACE;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new RapportError('cli.usage', `segments ${action} needs ${what}`);
    return value;
  };
  let platform: CliPlatform | undefined;
  try {
    platform = await connectPlatform(loadConfig(), workspaceId, 'rapport segments');
    const { call, rapport } = platform;
    const id = (value: string | undefined) => encodeURIComponent(need(value, 'an ID'));
    /** The segment's line; in-process, after running the backfill the server would run. */
    const settled = async (body: unknown): Promise<string> => {
      const segment = asSegment(body);
      if (rapport === undefined) return line(segment);
      await backfill(rapport, workspaceId);
      return line(asSegment(await call('GET', `/api/v1/segments/${encodeURIComponent(segment.id)}`, 'reading the segment')));
    };
    switch (action) {
      case 'list': {
        const segments = listOf(await call('GET', '/api/v1/segments', 'listing segments'), 'segments').map(asSegment);
        if (segments.length === 0) out(EMPTY_LIST);
        for (const segment of segments) out(line(segment));
        return 0;
      }
      case 'show':
        out(JSON.stringify(await call('GET', `/api/v1/segments/${id(first)}`, 'reading the segment'), null, 2));
        return 0;
      case 'create':
        out(await settled(await call('POST', '/api/v1/segments', 'creating the segment', { body: { name: need(first, 'a NAME'), condition: readCondition(values.condition) } })));
        return 0;
      case 'edit': {
        const body = { ...(values.name === undefined ? {} : { name: values.name }), ...(values.condition === undefined ? {} : { condition: readCondition(values.condition) }) };
        out(await settled(await call('PATCH', `/api/v1/segments/${id(first)}`, 'editing the segment', { body })));
        return 0;
      }
      case 'estimate':
        out(JSON.stringify(await call('POST', '/api/v1/segments/estimate', 'estimating the condition', { body: { condition: readCondition(values.condition) } }), null, 2));
        return 0;
      case 'retargeting': {
        const days = Number(need(first, 'DAYS'));
        if (!Number.isInteger(days) || days < 1) throw new RapportError('cli.usage', `DAYS must be a whole number of days from 1 to 3650, got "${first ?? ''}"`);
        out(await settled(await call('POST', '/api/v1/segments/retargeting', 'creating the audience', { body: { days } })));
        return 0;
      }
      case 'static':
        out(line(asSegment(await call('POST', '/api/v1/segments/static', 'creating the list', { body: { name: need(first, 'a NAME') } }))));
        return 0;
      case 'upload': {
        const file = need(second, 'a FILE');
        if (!fs.existsSync(file)) throw new RapportError('cli.usage', `no such file: ${file}`);
        await uploadList(call, id(first), file, values.replace === true);
        return 0;
      }
      case 'members':
        if (values.csv === true) process.stdout.write(String(await call('GET', `/api/v1/segments/${id(first)}/members.csv`, 'exporting the members')));
        else if ((await printMembers(call, id(first))) === 0) out(`No members in ${first ?? ''} yet.`);
        return 0;
      case 'explain':
        out(JSON.stringify(await call('GET', `/api/v1/segments/${id(first)}/explain/${encodeURIComponent(need(second, 'a PROFILE_ID'))}`, 'explaining the membership'), null, 2));
        return 0;
      case 'delete':
        await call('DELETE', `/api/v1/segments/${id(first)}`, 'deleting the segment');
        out(`deleted ${first ?? ''}`);
        return 0;
      case 'backfill':
        if (rapport === undefined) out(`The server at ${platform.url} backfills in the background; "rapport segments list" shows the progress.`);
        else await backfill(rapport, workspaceId);
        return 0;
      default:
        process.stderr.write(`rapport: unknown segments action "${action}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof RapportError)) throw error;
    process.stderr.write(`rapport: ${error.message}\n`);
    for (const issue of error.issues) process.stderr.write(`  ${issue.field}: ${issue.message}\n`);
    return 2;
  } finally {
    await platform?.close();
  }
}
