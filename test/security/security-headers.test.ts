import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CSP, HTML_CSP } from '../../src/http/security-headers.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, startTestRapport, WRITE_KEY, type TestRapport } from '../helpers/server.js';

/* Every response carries the security headers, set once in the app, whatever route answers. */
describe.each(dialects)('security headers (%s)', (dialect) => {
  let server: TestRapport;
  beforeAll(async () => {
    server = await startTestRapport(dialect);
  });
  afterAll(async () => server.stop());

  function expectHardened(headers: Record<string, unknown>, csp: string): void {
    expect(headers['content-security-policy']).toBe(csp);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
  }

  it('puts the strict API policy on JSON answers, errors and unknown routes', async () => {
    const app = server.rapport.app;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const request of [
      { method: 'GET' as const, url: '/healthz' },
      { method: 'GET' as const, url: '/api/v1/workspaces', headers: admin },
      { method: 'GET' as const, url: '/api/v1/workspaces' },
      { method: 'GET' as const, url: '/no/such/route' },
      { method: 'GET' as const, url: '/api/v1/openapi.json' },
    ]) {
      const response = await app.inject(request);
      expectHardened(response.headers, API_CSP);
    }
  });

  it('gives hosted HTML pages a policy without scripts or framing', async () => {
    const page = await server.rapport.app.inject({ method: 'GET', url: '/v1/u/not-a-valid-token' });
    expect(page.headers['content-type']).toContain('text/html');
    expectHardened(page.headers, HTML_CSP);
    expect(HTML_CSP).not.toContain('script-src');
  });

  it('leaves the ingest CORS behaviour as the ingest spec says', async () => {
    const app = server.rapport.app;
    const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    const track = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basicAuth(WRITE_KEY), origin: 'https://shop.example' },
      payload: { userId: 'u1', event: 'Viewed' },
    });
    expect(track.statusCode).toBe(200);
    expect(track.headers['access-control-allow-origin']).toBe('https://shop.example');
    expectHardened(track.headers, API_CSP);
  });
});
