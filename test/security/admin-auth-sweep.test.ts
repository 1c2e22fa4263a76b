import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Every module mounts its own admin routes (the Module contract's `routes`) on the scope whose
 * hooks check the credential: a route a module registered anywhere else would answer without
 * one. Every operation of the API document is asked without a credential and must answer 401,
 * except the sign-in flow, which src/http mounts outside the admin scope on purpose.
 */

/** The routes of src/users/routes.ts's `authRoutes` (/auth/*, accepting an invitation): they are how a person gets a credential. */
function signInFlow(path: string): boolean {
  return path.startsWith('/api/v1/auth/') || path === '/api/v1/invitations/{token}/accept';
}

describe('admin API authentication', () => {
  let server: TestRapport;

  beforeAll(async () => {
    server = await startTestRapport('sqlite');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses every admin operation without a credential, whichever module mounted it', async () => {
    const document = (await server.rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const answered: string[] = [];
    let probed = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const method of Object.keys(operations)) {
        if (signInFlow(path)) continue;
        const operation = `${method.toUpperCase()} ${path}`;
        probed += 1;
        const response = await server.rapport.app.inject({ method: method.toUpperCase() as 'GET', url: path.replace(/\{\w+\}/g, 'x'), headers: { accept: 'application/json' } });
        if (response.statusCode !== 401 || response.json<{ error: { code: string } }>().error.code !== 'unauthorized') answered.push(`${operation} → ${response.statusCode}`);
      }
    }
    expect(answered).toEqual([]);
    // The sweep reached the routes of many modules, not an empty document.
    expect(probed).toBeGreaterThan(150);
  });
});
