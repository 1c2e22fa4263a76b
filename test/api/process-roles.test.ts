import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/* `rapport start --role`: an API process ingests and follows nothing; a worker answers only its health routes. */
describe.each(dialects)('process roles (%s)', (dialect) => {
  let test: TestRapport | undefined;
  afterEach(async () => {
    await test?.stop();
    test = undefined;
  });
  const batch = { batch: [{ type: 'track', userId: 'u1', event: 'Product Viewed', messageId: 'role-1' }] };

  it('api: accepts events and leaves them to the workers', async () => {
    test = await startTestRapport(dialect, {}, { overrides: { processor: 'inline' }, rapport: { role: 'api' } });
    const { app, modules } = test.rapport;
    const sent = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: batch });
    expect(sent.statusCode).toBe(200);
    const processor = modules.find((module) => module.name === 'processor');
    expect(processor).toMatchObject({ mode: 'off' });
    expect((await test.rapport.processor.status()).lagEvents).toBe(1);
  });

  it('worker: answers /healthz and refuses the API', async () => {
    test = await startTestRapport(dialect, {}, { rapport: { role: 'worker' } });
    const { app } = test.rapport;
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const sent = await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: batch });
    expect(sent.statusCode).toBe(404);
    expect(sent.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
