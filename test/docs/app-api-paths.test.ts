import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPathsSource } from '../../src/http/api-paths.js';
import { startTestRapport, type TestRapport } from '../helpers/server.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let server: TestRapport;

beforeAll(async () => {
  server = await startTestRapport('sqlite');
});
afterAll(async () => {
  await server?.stop();
});

describe('app/src/api/paths.gen.ts', () => {
  it('lists exactly the routes of /api/v1/openapi.json (run `npm run app:api` after changing the API)', async () => {
    const document = (await server.rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(fs.readFileSync(path.join(root, 'app', 'src', 'api', 'paths.gen.ts'), 'utf8')).toBe(apiPathsSource(document));
  });
});
