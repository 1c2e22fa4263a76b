import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorsMarkdown } from '../src/http/error-docs.js';

// Writes docs/errors.md from the error registry in src/shared/errors.ts.
const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');
fs.writeFileSync(target, errorsMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
