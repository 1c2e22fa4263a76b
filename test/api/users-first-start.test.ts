import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { freePort, spawnServer, stopServer, type ServerProcess } from '../helpers/server.js';

/*
 * `rapport start` on an empty store, as an operator runs it (the built server in a child
 * process): it prints the owner's invitation once, and that invitation really sets the password.
 */
describe.each(dialects)('first start prints the dashboard owner (%s)', (dialect) => {
  let store: TestStore;
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dataDir = dialect === 'sqlite' ? store.dataDir : tempDir();
    const env: Record<string, string> = { RAPPORT_OWNER_EMAIL: 'boss@shop.example', RAPPORT_PROCESSOR: 'off' };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    server = await spawnServer({ dataDir, port: await freePort(), env });
  });
  afterAll(async () => {
    await stopServer(server);
    await store.drop();
    if (dialect !== 'sqlite') fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the owner and an invitation that sets the password, and nothing on the next start', async () => {
    const printed =
      /dashboard owner (\S+) created\.\n\s+set its password in the browser: http:\/\/127\.0\.0\.1:\d+\/welcome\?invitation=(inv_[\w-]+)\n\s+or by API: POST \/api\/v1\/invitations\/\2\/accept/.exec(
        server.output(),
      );
    expect(printed, server.output()).not.toBeNull();
    expect(printed?.[1]).toBe('boss@shop.example');
    const accepted = await fetch(`${server.url}/api/v1/invitations/${printed?.[2]}/accept`, { method: 'POST', body: JSON.stringify({ password: 'boss passphrase 1' }) });
    expect(accepted.status).toBe(201);
    const signedIn = await fetch(`${server.url}/api/v1/auth/sign-in`, { method: 'POST', body: JSON.stringify({ email: 'boss@shop.example', password: 'boss passphrase 1' }) });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('set-cookie')).toMatch(/^rapport_session=.*HttpOnly; SameSite=Lax/);

    const port = server.port;
    await stopServer(server, 'SIGTERM');
    server = await spawnServer({ dataDir, port, env: { RAPPORT_PROCESSOR: 'off', ...(store.databaseUrl === undefined ? {} : { RAPPORT_DATABASE_URL: store.databaseUrl }) } });
    expect(server.output()).not.toContain('dashboard owner');
  });
});
