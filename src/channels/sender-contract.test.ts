import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChannelShop } from '../../test/helpers/channel-shop.js';
import { createTestStore, dialects } from '../../test/helpers/databases.js';
import { RecordingSender, StoreRecordingSender } from '../journeys/recording-sender.js';
import { manualClock } from '../shared/clock.js';
import type { Dialect } from '../storage/database.js';
import { listInbox } from './store/inbox.js';
import { InboxProvider } from './providers/inbox.js';
import type { MessageSender, SendRequest } from './sender.js';

/*
 * The MessageSender contract (src/channels/sender.ts), run against every implementation: the
 * channels module (over the inbox provider, which needs no remote peer), and the recording
 * senders journeys use for dry runs and for servers without providers. Like the providers'
 * contract suite, a new implementation adds one setup here and passes the same tests.
 */

const workspaces = ['ws', 'ws2'] as const;
type Workspace = (typeof workspaces)[number];

/** An implementation ready to send to one person in each workspace. */
interface SenderSetup {
  sender: MessageSender;
  /** A request it can deliver: a person and a template of `workspaceId`. */
  request(workspaceId: Workspace, idempotencyKey: string): SendRequest;
  /** How many messages reached people of `workspaceId`. */
  delivered(workspaceId: Workspace): Promise<number>;
  close(): Promise<void>;
}

const clock = manualClock(Date.parse('2025-03-01T10:00:00Z'));

function plainRequest(workspaceId: Workspace, idempotencyKey: string): SendRequest {
  return { workspaceId, profileId: `prf_${workspaceId}`, channel: 'inbox', templateId: `tpl_${workspaceId}`, idempotencyKey, source: { kind: 'test', id: 'contract' } };
}

const setups: Record<string, (dialect: Dialect) => Promise<SenderSetup>> = {
  async 'channels module'(dialect) {
    const shop = await createChannelShop(dialect, { clock, providers: (database) => ({ inbox: new InboxProvider({ database, clock }) }) });
    const people = new Map<Workspace, { profileId: string; templateId: string }>();
    for (const workspaceId of workspaces) {
      const outcome = await shop.ingest.ingest({ workspaceId, sourceId: null, receivedAt: clock.now() }, { items: [{ type: 'identify', userId: 'cy', traits: { first_name: 'Cy' } }] });
      expect(outcome.rejected).toEqual([]);
      await shop.settle();
      const profile = await shop.profiles.lookupProfile(workspaceId, 'user_id', 'cy');
      const { template } = await shop.templates.create(workspaceId, { name: 'Inbox', channel: 'inbox', source: { default: { title: 'For you, {{ profile.first_name }}', body: 'Hello' } } });
      people.set(workspaceId, { profileId: profile?.id ?? '', templateId: template.id });
    }
    const person = (workspaceId: Workspace) => people.get(workspaceId) ?? { profileId: '', templateId: '' };
    return {
      sender: shop.channels,
      request: (workspaceId, idempotencyKey) => ({ ...plainRequest(workspaceId, idempotencyKey), ...person(workspaceId) }),
      delivered: async (workspaceId) => (await listInbox(shop.store.database.db, workspaceId, [person(workspaceId).profileId], { limit: 100, includeDismissed: true })).length,
      close: () => shop.close(),
    };
  },
  async 'recording sender'() {
    const sender = new RecordingSender();
    return { sender, request: plainRequest, delivered: async (workspaceId) => sender.sent.filter((request) => request.workspaceId === workspaceId).length, close: async () => undefined };
  },
  async 'store recording sender'(dialect) {
    const store = await createTestStore(dialect);
    const sender = new StoreRecordingSender({ database: store.database, clock });
    return { sender, request: plainRequest, delivered: async (workspaceId) => (await sender.list(workspaceId)).length, close: () => store.drop() };
  },
};

describe.each(dialects)('MessageSender contract (%s)', (dialect) => {
  describe.each(Object.keys(setups))('%s', (name) => {
    let setup: SenderSetup;
    beforeEach(async () => {
      const open = setups[name];
      if (open === undefined) throw new Error(`no setup ${name}`);
      setup = await open(dialect);
    });
    afterEach(() => setup.close());

    it('sends once per idempotency key: a repeat returns the first result and sends nothing', async () => {
      const first = await setup.sender.send(setup.request('ws', 'journey:j1:r1:n1'));
      expect(first.status).toBe('sent');
      expect(first.messageId).toEqual(expect.any(String));
      const again = await setup.sender.send(setup.request('ws', 'journey:j1:r1:n1'));
      expect(again).toEqual(first);
      expect(await setup.delivered('ws')).toBe(1);
    });

    it('gives every idempotency key its own message', async () => {
      const one = await setup.sender.send(setup.request('ws', 'journey:j1:r1:n1'));
      const two = await setup.sender.send(setup.request('ws', 'journey:j1:r2:n1'));
      expect(two.messageId).not.toBe(one.messageId);
      expect(await setup.delivered('ws')).toBe(2);
    });

    it("keeps workspaces apart: the same key in another workspace is another workspace's message", async () => {
      const mine = await setup.sender.send(setup.request('ws', 'journey:j1:r1:n1'));
      const theirs = await setup.sender.send(setup.request('ws2', 'journey:j1:r1:n1'));
      expect(theirs.status).toBe('sent');
      expect(theirs.messageId).not.toBe(mine.messageId);
      expect(await setup.delivered('ws')).toBe(1);
      expect(await setup.delivered('ws2')).toBe(1);
    });
  });
});
