import fs from 'node:fs';

/**
 * The data directory holds every workspace's data and the server's keys, so only the user the
 * server runs as may read it: the directory is 0700 and the files Rapport creates in it 0600,
 * whatever the umask. A directory some other user owns (a mount point) is left as it is.
 * @example privateDir('./data'); privateFile('./data/rapport.db');
 */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrict(dir, 0o700);
}

/** Creates `file` empty with mode 0600 when it does not exist, and tightens it when it does. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  restrict(file, 0o600);
}

/** Tightens existing files (WAL and shared-memory files of an older install) to 0600; missing ones are skipped. */
export function restrictFiles(...files: string[]): void {
  for (const file of files) if (fs.existsSync(file)) restrict(file, 0o600);
}

function restrict(target: string, mode: number): void {
  const stat = fs.statSync(target);
  const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  if (ours && (stat.mode & 0o777) !== mode) fs.chmodSync(target, mode);
}
