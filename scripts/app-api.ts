import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiPathsSource } from '../src/http/api-paths.js';
import { loadConfig } from '../src/config/config.js';
import { createRapport } from '../src/rapport.js';

// Writes app/src/api/paths.gen.ts from the OpenAPI document of a throw-away server (SQLite in a temp dir).
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'app', 'src', 'api', 'paths.gen.ts');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-app-api-'));
try {
  const rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dataDir, RAPPORT_LOG_LEVEL: 'silent' }, { processor: 'off' }));
  try {
    const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    fs.writeFileSync(target, apiPathsSource(response.json()));
  } finally {
    await rapport.close();
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
