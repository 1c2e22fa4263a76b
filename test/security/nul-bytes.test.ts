import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { createTestStore, dialects, tempDir, type TestStore } from '../helpers/databases.js';
import { basicAuth } from '../helpers/server.js';

/*
 * A NUL character in an id, a query value or an admin body reached PostgreSQL (which cannot
 * store U+0000 in text) and came back as a 500 from most routes that take an id. Every route
 * from the route table gets one, and must answer 4xx naming the field, never 5xx.
 */

describe.each(dialects)('NUL characters in ids, queries and admin bodies (%s)', (dialect) => {
  let store: TestStore;
  let rapport: Rapport;
  let dir: string;

  beforeAll(async () => {
    store = await createTestStore(dialect);
    dir = dialect === 'sqlite' ? store.dataDir : tempDir();
    const env: Record<string, string> = { RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' };
    if (store.databaseUrl !== undefined) env.RAPPORT_DATABASE_URL = store.databaseUrl;
    rapport = await createRapport(loadConfig(env, { processor: 'off' }));
  });
  afterAll(async () => {
    await rapport.close();
    await store.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers every route given a NUL in its path parameters with a 400 naming the parameter', async () => {
    const document = (await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const problems: string[] = [];
    let probed = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
      if (names.length === 0) continue;
      for (const method of Object.keys(operations)) {
        probed += 1;
        const url = path.replace(/\{\w+\}/g, 'a%00b');
        const authorization = path.startsWith('/api/') ? 'Bearer ADM' : basicAuth('WK');
        const response = await rapport.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { authorization, 'content-type': 'application/json' },
          ...(method === 'get' || method === 'delete' ? {} : { payload: '{}' }),
        });
        if (response.statusCode !== 400 || !String(response.json().error?.message).includes(`params.${names[0]} contains a NUL`))
          problems.push(`${method.toUpperCase()} ${path}: ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
    }
    expect(probed).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  it('refuses a NUL in a query value or an admin body string, naming the field', async () => {
    const lookup = await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles/lookup?type=email&value=a%00b', headers: { authorization: 'Bearer ADM' } });
    expect(lookup.statusCode).toBe(400);
    expect(lookup.json().error.message).toContain('querystring.value contains a NUL');
    const segment = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: { authorization: 'Bearer ADM' },
      payload: { name: 'a\u0000b', condition: { type: 'trait', key: 'x', op: 'exists' } },
    });
    expect(segment.statusCode).toBe(400);
    expect(segment.json().error.message).toContain('body.name contains a NUL');
    const pool = await rapport.app.inject({ method: 'GET', url: '/api/v1/coupons/codes/A%00B', headers: { authorization: 'Bearer ADM' } });
    expect(pool.statusCode).toBe(400);
    // Found by the same fuzzing: `1e400` coerces to Infinity, which passed as an integer.
    for (const version of ['1e400', '99999999999']) {
      const response = await rapport.app.inject({ method: 'GET', url: `/api/v1/templates/t1/versions/${version}`, headers: { authorization: 'Bearer ADM' } });
      expect(response.statusCode, version).toBe(400);
    }
  });
});
