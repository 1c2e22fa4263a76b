import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationMarkdown } from '../src/config/docs.js';

// Writes docs/configuration.md from the settings table in src/config/config.ts.
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
fs.writeFileSync(target, configurationMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
