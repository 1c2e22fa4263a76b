import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../src/ingest/message.js';
import { dialects } from '../helpers/databases.js';
import { WORKSPACE, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/** One batch item as JSON text (hostile items cannot always be built with JSON.stringify). */
interface Item {
  json: string;
  /** For a valid item: its messageId and what must be read back. */
  valid?: { messageId: string; event: string; userId: string; properties: Record<string, unknown> };
  label: string;
}

let sequence = 0;
const nextId = () => `fz-${process.pid}-${(sequence += 1)}`;

const text = fc.string({ minLength: 1, maxLength: 40 }).filter((value) => !value.includes('\u0000') && value.trim() !== '');
// Keys fast-check builds with defineProperty would become prototypes through a plain object spread.
const key = fc.string({ maxLength: 12 }).filter((value) => value !== '__proto__');
const properties = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

/** Valid items: any event name, user id and JSON properties (NUL inside values included). */
const validItem: fc.Arbitrary<Item> = fc.record({ event: text, userId: text, properties, note: fc.string({ maxLength: 20 }) }).map(({ event, userId, properties: props, note }) => {
  const messageId = nextId();
  // JSON round trip: what a client sends is JSON, so -0 arrives as 0.
  const sent: Record<string, unknown> = JSON.parse(JSON.stringify({ ...props, note }));
  return { json: JSON.stringify({ type: 'track', event, userId, messageId, properties: sent }), valid: { messageId, event, userId, properties: sent }, label: 'valid' };
});

const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const hostileJson: Array<[string, (id: string) => string]> = [
  ['timestamp 1e19', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","timestamp":1e19}`],
  ['timestamp 1e400', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","timestamp":1e400}`],
  ['timestamp year 275760', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","timestamp":"+275760-09-13T00:00:00.000Z"}`],
  ['invalid date', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","timestamp":"2026-02-31T25:61:00Z"}`],
  ['sentAt skew out of range', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","originalTimestamp":"1970-01-01T00:00:00Z","sentAt":"9999-12-31T00:00:00Z"}`],
  ['properties 5,000 deep', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","properties":${deep(5000)}}`],
  ['context arrays 20,000 deep', (id) => `{"type":"identify","userId":"u","messageId":"${id}","context":{"x":${deepArray(20_000)}}}`],
  ['traits 1,500 keys', (id) => `{"type":"identify","userId":"u","messageId":"${id}","traits":{${Array.from({ length: 1500 }, (_, n) => `"k${n}":1`).join(',')}}}`],
  ['properties value 1e400', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","properties":{"total":-1e400}}`],
  ['a 40 KB string', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","properties":{"s":"${'x'.repeat(40_000)}"}}`],
  ['NUL in event', (id) => `{"type":"track","event":"E\\u0000","userId":"u","messageId":"${id}"}`],
  ['NUL in userId', (id) => `{"type":"identify","userId":"u\\u0000","messageId":"${id}"}`],
  ['NUL in messageId', () => `{"type":"identify","userId":"u","messageId":"m\\u0000${nextId()}"}`],
  ['NUL in groupId', (id) => `{"type":"group","userId":"u","groupId":"g\\u0000","messageId":"${id}"}`],
  ['no user', (id) => `{"type":"track","event":"E","messageId":"${id}"}`],
  ['unknown type', (id) => `{"type":"constructor","userId":"u","messageId":"${id}"}`],
  ['not an object', () => '"just a string"'],
  ['null item', () => 'null'],
  ['properties an array', (id) => `{"type":"track","event":"E","userId":"u","messageId":"${id}","properties":[1,2]}`],
  ['messageId an object', () => '{"type":"track","event":"E","userId":"u","messageId":{"$gt":""}}'],
];
const hostileItem: fc.Arbitrary<Item> = fc.constantFrom(...hostileJson).map(([label, build]) => ({ json: build(nextId()), label }));

describe.each(dialects)('per-item rejection under fuzzed batches (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });

  afterAll(async () => {
    await env.stop();
  });

  it('stores every valid sibling and rejects every hostile item with a reason, never a 5xx', async () => {
    const { app, eventLog } = env.rapport;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ arbitrary: validItem, weight: 2 }, { arbitrary: hostileItem, weight: 1 }), { minLength: 1, maxLength: 10 }), async (items) => {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/batch',
          headers: { authorization: basicAuth(WRITE_KEY), 'content-type': 'application/json' },
          payload: `{"batch":[${items.map((item) => item.json).join(',')}]}`,
        });
        expect(response.statusCode).toBe(200);
        const body: unknown = response.json();
        if (!isJsonObject(body)) throw new Error(response.body);
        const rejected = Array.isArray(body.rejected) ? body.rejected : [];
        const hostile = items.flatMap((item, index) => (item.valid === undefined ? [index] : []));
        expect(rejected.map((rejection) => (isJsonObject(rejection) ? rejection.index : undefined))).toEqual(hostile);
        for (const rejection of rejected) {
          expect(rejection).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/), field: expect.stringMatching(/^batch\[\d+\]/), message: expect.stringMatching(/./) });
        }
        expect(body.accepted).toBe(items.length - hostile.length);
        for (const item of items) {
          if (item.valid === undefined) continue;
          const [event] = await eventLog.events(WORKSPACE, { messageId: item.valid.messageId });
          expect(event?.message).toMatchObject({ type: 'track', event: item.valid.event, userId: item.valid.userId });
          expect(event?.message.properties).toEqual(item.valid.properties);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the valid item of the batch from issue 12 (one item with timestamp 1e19, one 5,000 deep)', async () => {
    const { app, eventLog } = env.rapport;
    const ok = nextId();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basicAuth(WRITE_KEY) },
      payload: `{"batch":[{"type":"track","event":"Kept","userId":"u","messageId":"${ok}"},${hostileJson[0]?.[1](nextId())},${hostileJson[5]?.[1](nextId())}]}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 1, code: 'invalid_timestamp' },
        { index: 2, code: 'value_too_deep' },
      ],
    });
    expect(await eventLog.events(WORKSPACE, { messageId: ok })).toHaveLength(1);
  });
});
