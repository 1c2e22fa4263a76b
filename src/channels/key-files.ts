import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateVapidKeys, type VapidKeys } from './providers/web-push.js';

/** Writes a file readable by its owner only, creating the directory. */
function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}

/**
 * The VAPID key pair for web push, generated on first use and kept in a file readable only
 * by its owner (the private key never leaves it: the API shows only the public key).
 * @example const vapid = loadOrCreateVapidKeys('./data/vapid.json');
 */
export function loadOrCreateVapidKeys(file: string): VapidKeys {
  if (!fs.existsSync(file)) {
    try {
      writePrivate(file, JSON.stringify(generateVapidKeys()));
    } catch (error) {
      // Another process created it first: read theirs.
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const publicKey = typeof value === 'object' && value !== null ? Reflect.get(value, 'publicKey') : undefined;
  const privateKey = typeof value === 'object' && value !== null ? Reflect.get(value, 'privateKey') : undefined;
  if (typeof publicKey !== 'string' || typeof privateKey !== 'string') throw new Error(`${file} does not hold a VAPID key pair ({ publicKey, privateKey }); delete it to generate a new one`);
  return { publicKey, privateKey };
}

/**
 * The HMAC key for tracking and unsubscribe links: the configured one, else a random key kept
 * in `<dataDir>/link-secret` (set RAPPORT_LINK_SECRET when several servers share a database).
 */
export function loadOrCreateLinkSecret(configured: string | undefined, dataDir: string): Buffer {
  if (configured !== undefined) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'link-secret');
  if (!fs.existsSync(file)) {
    try {
      writePrivate(file, randomBytes(32).toString('hex'));
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}
