import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleDiagram, withGeneratedSection } from '../src/app/diagram.js';
import { loadConfig } from '../src/config/config.js';
import { listModules } from '../src/rapport.js';

// Writes the module diagram of docs/architecture.md from the module list createRapport builds
// (on a throw-away SQLite store: building the modules opens one).
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'architecture.md');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-docs-'));
try {
  const modules = await listModules(loadConfig({ RAPPORT_DATA_DIR: dataDir, RAPPORT_LOG_LEVEL: 'silent' }));
  fs.writeFileSync(target, withGeneratedSection(fs.readFileSync(target, 'utf8'), moduleDiagram(modules)));
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
