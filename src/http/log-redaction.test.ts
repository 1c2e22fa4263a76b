import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactUrl, serverLogOptions } from './log-redaction.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/projects/wk_SECRET/settings', '/v1/projects/[redacted]/settings'],
    ['/v1/u/eyJTOKEN.mac', '/v1/u/[redacted]'],
    ['/v1/o/eyJTOKEN.mac.gif', '/v1/o/[redacted]'],
    ['/v1/c/eyJTOKEN.mac?x=1', '/v1/c/[redacted]?x=1'],
    ['/v1/inbox?userId=u1&writeKey=wk_SECRET&limit=5', '/v1/inbox?userId=u1&writeKey=[redacted]&limit=5'],
    ['/api/v1/x?Write%5FKey=wk_SECRET&token=t', '/api/v1/x?Write%5FKey=[redacted]&token=[redacted]'],
    ['/v1/batch', '/v1/batch'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('server log at debug level', () => {
  it('never writes a write key, token or Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = Fastify({ loggerInstance: pino({ level: 'debug', ...serverLogOptions() }, sink), logController: new LogController({ disableRequestLogging: false }) });
    app.get('/v1/projects/:writeKey/settings', async (request) => {
      request.log.debug({ headers: request.headers, body: { writeKey: 'wk_BODYSECRET' } }, 'looked up');
      return {};
    });
    await app.inject({ method: 'GET', url: '/v1/projects/wk_PATHSECRET/settings?writeKey=wk_QUERYSECRET', headers: { authorization: 'Basic d2tfSEVBREVSU0VDUkVUOg==' } });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('/v1/projects/[redacted]/settings');
    for (const secret of ['PATHSECRET', 'QUERYSECRET', 'BODYSECRET', 'd2tfSEVBREVSU0VDUkVUOg']) expect(log).not.toContain(secret);
  });
});
