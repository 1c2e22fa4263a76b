import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kernel } from '../app/kernel.js';
import { parseSecretKey, SecretBox } from '../shared/secret-box.js';
import { generateVapidKeys, type VapidKeys } from './providers/web-push.js';

/** Writes a file readable by its owner only, creating the directory. */
function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}

/** Creates the key file unless it exists; when another process creates it first, theirs is kept. */
function createOnce(file: string, content: () => string): void {
  if (fs.existsSync(file)) return;
  try {
    writePrivate(file, content());
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
}

/**
 * The VAPID key pair for web push, generated on first use and kept in a file readable only
 * by its owner (the private key never leaves it: the API shows only the public key).
 * @example const vapid = loadOrCreateVapidKeys('./data/vapid.json');
 */
export function loadOrCreateVapidKeys(file: string): VapidKeys {
  createOnce(file, () => JSON.stringify(generateVapidKeys()));
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
  createOnce(file, () => randomBytes(32).toString('hex'));
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}

/**
 * The box sealing secrets at rest: `RAPPORT_SECRET_KEY` when set, else a random key kept in
 * `<dataDir>/secret-key` (0600). Old keys (`RAPPORT_SECRET_KEYS_OLD`), and the key file when an
 * environment key replaced it, still open values sealed before the rotation.
 * @example const box = loadOrCreateSecretBox(config.secretKey, config.secretKeysOld, config.dataDir);
 */
export function loadOrCreateSecretBox(configured: string | undefined, old: readonly string[], dataDir: string): SecretBox {
  const file = path.join(dataDir, 'secret-key');
  const oldKeys = old.map(parseSecretKey);
  if (configured !== undefined) {
    if (fs.existsSync(file)) oldKeys.push(parseSecretKey(fs.readFileSync(file, 'utf8')));
    return new SecretBox(parseSecretKey(configured), oldKeys);
  }
  createOnce(file, () => randomBytes(32).toString('hex'));
  return new SecretBox(parseSecretKey(fs.readFileSync(file, 'utf8')), oldKeys);
}

/** Logs destinations whose secret no key this server holds can open (sealed under a key no longer configured). */
export function reportUnreadable(kernel: Kernel, pass: { unreadable: string[] }): void {
  if (pass.unreadable.length > 0) kernel.logger?.error({ destinations: pass.unreadable }, 'destination secrets sealed with a key this server does not hold: add it to RAPPORT_SECRET_KEYS_OLD');
}
