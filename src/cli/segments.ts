import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import type { Segment } from '../segments/segment-service.js';
import { RapportError } from '../shared/errors.js';
import { DEFAULT_WORKSPACE } from '../workspaces/workspace-service.js';
import { createProgress } from './progress.js';
import { helpText } from './command-help.js';

const USAGE = helpText('segments');

function readCondition(value: string | undefined): unknown {
  if (value === undefined) throw new RapportError('invalid_request', 'pass --condition with JSON or @file.json');
  const text = value.startsWith('@') ? fs.readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch {
    throw new RapportError('invalid_request', '--condition is not valid JSON');
  }
}

function line(segment: Segment): string {
  const status = segment.status === 'backfilling' ? `backfilling ${segment.backfill.percent}%` : segment.status;
  return `${segment.id}  ${segment.kind.padEnd(7)}  ${String(segment.members).padStart(8)} members  ${status.padEnd(16)}  ${segment.name}`;
}

/** Runs every pending backfill in the foreground with a progress bar. */
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

/**
 * `rapport segments ...`: manage segments from the command line.
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
  const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false });
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new RapportError('invalid_request', `segments ${action} needs ${what}`);
    return value;
  };
  try {
    const { segments } = rapport;
    switch (action) {
      case 'list':
        for (const segment of await segments.list(workspaceId)) out(line(segment));
        return 0;
      case 'show':
        out(JSON.stringify(await segments.get(workspaceId, need(first, 'an ID')), null, 2));
        return 0;
      case 'create': {
        const created = await segments.create(workspaceId, { name: need(first, 'a NAME'), condition: readCondition(values.condition) });
        await backfill(rapport, workspaceId);
        out(line(await segments.get(workspaceId, created.id)));
        return 0;
      }
      case 'edit': {
        const edited = await segments.update(workspaceId, need(first, 'an ID'), { name: values.name, condition: values.condition === undefined ? undefined : readCondition(values.condition) });
        await backfill(rapport, workspaceId);
        out(line(await segments.get(workspaceId, edited.id)));
        return 0;
      }
      case 'estimate':
        out(JSON.stringify(await segments.estimate(workspaceId, readCondition(values.condition)), null, 2));
        return 0;
      case 'retargeting': {
        const days = Number(need(first, 'DAYS'));
        const created = await segments.createRetargeting(workspaceId, { days });
        await backfill(rapport, workspaceId);
        out(line(await segments.get(workspaceId, created.id)));
        return 0;
      }
      case 'static':
        out(line(await segments.createStatic(workspaceId, { name: need(first, 'a NAME') })));
        return 0;
      case 'upload': {
        const file = need(second, 'a FILE');
        if (!fs.existsSync(file)) throw new RapportError('invalid_request', `no such file: ${file}`);
        const result = await segments.uploadList(workspaceId, need(first, 'an ID'), fs.createReadStream(file), values.replace === true ? 'replace' : 'add');
        out(`${result.rows} rows, ${result.matched} profiles matched, ${result.entered} entered, ${result.exited} exited`);
        for (const miss of result.unmatched.slice(0, 20)) out(`  line ${miss.line}: ${miss.reason}`);
        return 0;
      }
      case 'members': {
        const id = need(first, 'an ID');
        if (values.csv === true) {
          for await (const chunk of segments.exportCsv(workspaceId, id)) process.stdout.write(chunk);
          return 0;
        }
        let cursor: string | undefined;
        do {
          const page = await segments.members(workspaceId, id, { cursor, limit: 1000 });
          for (const member of page.members) out(`${member.profileId}  ${member.enteredAt}`);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        return 0;
      }
      case 'explain':
        out(JSON.stringify(await segments.explain(workspaceId, need(first, 'an ID'), need(second, 'a PROFILE_ID')), null, 2));
        return 0;
      case 'delete':
        await segments.delete(workspaceId, need(first, 'an ID'));
        out(`deleted ${first ?? ''}`);
        return 0;
      case 'backfill':
        await backfill(rapport, workspaceId);
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
    await rapport.close();
  }
}
