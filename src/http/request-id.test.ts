import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { serverLogOptions } from './log-redaction.js';
import { registerRequestIdEcho, requestIdOf } from './request-id.js';

/** A server logging JSON at debug level into `lines`, with the request id wiring of the app. */
function loggingApp(lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const logger: FastifyBaseLogger = pino({ level: 'debug', ...serverLogOptions() }, sink);
  const app = Fastify({ genReqId: requestIdOf, loggerInstance: logger, logController: new LogController({ disableRequestLogging: false }) });
  registerRequestIdEcho(app);
  app.get('/v1/projects/:writeKey/settings', async (request) => {
    request.log.info({ headers: request.headers }, 'looked up');
    return {};
  });
  return app;
}

describe('request ids', () => {
  it('takes a short, safe X-Request-Id, echoes it, and puts it on every JSON log line of the request, redaction intact', async () => {
    const lines: string[] = [];
    const app = loggingApp(lines);
    const answer = await app.inject({
      method: 'GET',
      url: '/v1/projects/wk_PATHSECRET/settings',
      headers: { 'x-request-id': 'lb-7f3a:2.1', authorization: 'Basic d2tfSEVBREVSU0VDUkVUOg==' },
    });
    await app.close();
    expect(answer.headers['x-request-id']).toBe('lb-7f3a:2.1');
    const records = lines.map((line) => JSON.parse(line) as { reqId?: string; msg?: string });
    // incoming request, the handler's line, request completed.
    expect(records.map((record) => record.msg)).toEqual(['incoming request', 'looked up', 'request completed']);
    for (const record of records) expect(record.reqId).toBe('lb-7f3a:2.1');
    const log = lines.join('\n');
    for (const secret of ['PATHSECRET', 'd2tfSEVBREVSU0VDUkVUOg']) expect(log).not.toContain(secret);
  });

  it.each([
    ['too long', 'a'.repeat(65)],
    ['a newline', 'abc\ndef'],
    ['a space and quotes', 'a "b"'],
    ['markup', '<script>'],
    ['empty', ''],
  ])('replaces an incoming id with %s by a generated one', async (_what, given) => {
    const lines: string[] = [];
    const app = loggingApp(lines);
    // inject refuses a header value with a newline, as Node's HTTP parser would; ask the function directly for that one.
    if (given.includes('\n')) {
      const raw = new IncomingMessage(new Socket());
      raw.headers = { 'x-request-id': given };
      const id = requestIdOf(raw);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await app.close();
      return;
    }
    const answer = await app.inject({ method: 'GET', url: '/v1/projects/k/settings', headers: { 'x-request-id': given } });
    await app.close();
    const id = answer.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const line of lines) expect((JSON.parse(line) as { reqId?: string }).reqId).toBe(id);
  });

  it('gives each request without one its own id', async () => {
    const app = loggingApp([]);
    const ids = new Set<string>();
    for (let n = 0; n < 5; n += 1) ids.add(String((await app.inject({ method: 'GET', url: '/v1/projects/k/settings' })).headers['x-request-id']));
    await app.close();
    expect(ids.size).toBe(5);
  });
});
