import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import { channelNames, isChannelName } from '../shared/channel.js';
import { RapportError } from '../shared/errors.js';
import { starterTemplates } from '../templates/index.js';
import { helpText } from './command-help.js';

const USAGE = helpText('channels');

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new RapportError('cli.usage', `missing ${what}; see "rapport channels help"`);
  return value;
}

function out(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
}

const channelsOptions = {
  workspace: { type: 'string', short: 'w' },
  channel: { type: 'string' },
  key: { type: 'string' },
  coupon: { type: 'string' },
  transactional: { type: 'boolean' },
  profile: { type: 'string' },
  status: { type: 'string' },
  reason: { type: 'string' },
  out: { type: 'string' },
} as const;

/** One `rapport channels` invocation on an open store: the action, its positional arguments and flags. */
interface ChannelsAction {
  rapport: Rapport;
  workspaceId: string;
  action: string;
  args: (string | undefined)[];
  values: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof channelsOptions }>>['values'];
}

/**
 * `rapport channels ...`: templates, sends, coupons, suppression and privacy requests on the
 * configured store (the same services the API uses).
 * @example await channelsCommand(['erase', 'prf_123', '--reason', 'ticket 42']);
 */
export async function channelsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: channelsOptions });
  const [action, ...rest] = positionals;
  if (action === undefined || action === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return action === undefined ? 2 : 0;
  }
  if (action === 'starters') {
    for (const starter of starterTemplates) out(`${starter.key.padEnd(26)} ${starter.channel.padEnd(8)} ${starter.description}`);
    return 0;
  }
  const workspaceId = values.workspace ?? 'default';
  const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false, background: false });
  try {
    return await runAction({ rapport, workspaceId, action, args: rest, values });
  } finally {
    await rapport.close();
  }
}

/** Runs one action on the open store; answers the exit code. */
async function runAction(command: ChannelsAction): Promise<number> {
  const { rapport, workspaceId, action, values } = command;
  const { messaging } = rapport;
  const [first, second, third] = command.args;
  switch (action) {
    case 'status':
      out({ configured: messaging.channels.configuredChannels(), vapidPublicKey: messaging.vapidPublicKey(), publicUrl: messaging.publicUrl });
      return 0;
    case 'install-starter': {
      const starter = starterTemplates.find((entry) => entry.key === need(first, 'KEY'));
      if (starter === undefined) throw new RapportError('not_found', `no starter "${first}"; run "rapport channels starters"`);
      out((await messaging.templates.create(workspaceId, { name: starter.name, channel: starter.channel, source: starter.source })).template);
      return 0;
    }
    case 'preview':
      out(await messaging.channels.preview(workspaceId, need(first, 'TEMPLATE'), { profileId: need(second, 'PROFILE') }));
      return 0;
    case 'test-send':
      out(await messaging.channels.testSend(workspaceId, need(first, 'TEMPLATE'), { profileId: need(second, 'PROFILE'), to: need(third, 'TO') }));
      return 0;
    case 'send':
      out(await send(command));
      return 0;
    case 'messages':
      out(
        await messaging.channels.listMessages(workspaceId, {
          ...(values.profile === undefined ? {} : { profileIds: [values.profile] }),
          ...(values.status === undefined ? {} : { status: values.status }),
        }),
      );
      return 0;
    case 'coupons-generate': {
      const count = Number(need(second, 'COUNT'));
      out(await messaging.coupons.generateCodes(workspaceId, need(first, 'POOL'), count));
      return 0;
    }
    case 'coupons-report':
      await messaging.coupons.followRedemptions();
      out(await messaging.coupons.report(workspaceId));
      return 0;
    case 'suppress':
      await suppress(command);
      out('suppressed');
      return 0;
    case 'erase':
    case 'export':
      await privacyRequest(command, action);
      return 0;
    default:
      process.stderr.write(`unknown action "${action}"\n${USAGE}\n`);
      return 2;
  }
}

/** `send TEMPLATE PROFILE --channel C --key K`: one send through the whole pipeline (consent, caps, idempotency). */
async function send(command: ChannelsAction): Promise<unknown> {
  const { values } = command;
  const [first, second] = command.args;
  const channel = need(values.channel, '--channel');
  if (!isChannelName(channel)) throw new RapportError('cli.usage', `--channel must be ${channelNames.slice(0, -1).join(', ')} or ${channelNames.at(-1) ?? ''}`);
  return command.rapport.messaging.channels.send({
    workspaceId: command.workspaceId,
    templateId: need(first, 'TEMPLATE'),
    profileId: need(second, 'PROFILE'),
    channel,
    idempotencyKey: need(values.key, '--key (a unique key: a retry with the same key sends nothing)'),
    purpose: values.transactional === true ? 'transactional' : 'marketing',
    ...(values.coupon === undefined ? {} : { coupon: { poolId: values.coupon } }),
    source: { kind: 'api', id: 'cli' },
  });
}

/** `suppress CHANNEL ADDRESS REASON`. */
async function suppress(command: ChannelsAction): Promise<void> {
  const [first, second, third] = command.args;
  const channel = need(first, 'CHANNEL');
  const reason = need(third, 'REASON');
  if (channel !== 'email' && channel !== 'sms') throw new RapportError('cli.usage', 'CHANNEL must be email or sms');
  if (reason !== 'bounced' && reason !== 'complained' && reason !== 'unsubscribed' && reason !== 'manual')
    throw new RapportError('cli.usage', 'REASON must be bounced, complained, unsubscribed or manual');
  await command.rapport.messaging.consent.suppress(command.workspaceId, channel, need(second, 'ADDRESS'), reason);
}

/** `erase PROFILE` / `export PROFILE [--out FILE]`: runs the privacy job to its end. */
async function privacyRequest(command: ChannelsAction, action: 'erase' | 'export'): Promise<void> {
  const { rapport, workspaceId, values } = command;
  const { privacy } = rapport;
  const profileId = need(command.args[0], 'PROFILE');
  const options = { requestedBy: 'cli', ...(values.reason === undefined ? {} : { reason: values.reason }) };
  const job = action === 'erase' ? await privacy.requestErasure(workspaceId, profileId, options) : await privacy.requestExport(workspaceId, profileId, options);
  await privacy.settled(job.id);
  const done = await privacy.job(workspaceId, job.id);
  if (done.status !== 'done') throw new RapportError('conflict', `${action} failed: ${done.error ?? 'unknown error'}`);
  if (action === 'erase') {
    out(done);
    return;
  }
  const document = JSON.stringify(await privacy.exportDocument(workspaceId, job.id), null, 2);
  if (values.out === undefined) out(document);
  else {
    fs.writeFileSync(values.out, `${document}\n`, { mode: 0o600 });
    out(`written to ${values.out} (job ${job.id})`);
  }
}
