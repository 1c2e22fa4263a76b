// `npm start` runs this first: it builds (npm run build) only when a source the build reads has
// changed since the last build, so a restart takes a second instead of a minute.
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'dist', '.build-stamp');
const inputs = ['src', 'app/src', 'app/index.html', 'app/vite.config.ts', 'sdk/browser', 'package-lock.json', 'tsconfig.build.json', 'tsconfig.json'];
const skip = new Set(['node_modules', 'dist']);

function hashTree(hash, file) {
  if (!fs.existsSync(file)) return;
  const stat = fs.statSync(file);
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(file).sort()) if (!skip.has(name)) hashTree(hash, path.join(file, name));
    return;
  }
  hash.update(path.relative(root, file));
  hash.update(fs.readFileSync(file));
}

const hash = createHash('sha256');
for (const input of inputs) hashTree(hash, path.join(root, input));
const stamp = hash.digest('hex');
const built = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8') : '';
if (built === stamp && fs.existsSync(path.join(root, 'app', 'dist', 'index.html'))) {
  process.stdout.write('build is current (sources unchanged since the last build)\n');
} else {
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stampFile, stamp);
}
