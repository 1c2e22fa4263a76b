import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kernel } from '../app/kernel.js';
import type { Config } from '../config/config.js';
import type { Database } from '../storage/database.js';
import { recordSecret, sharedSecret } from '../storage/server-secrets.js';
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

/** The key pair in `text`, or an error naming `source`. */
function parseVapid(text: string, source: string): VapidKeys {
  const value: unknown = JSON.parse(text);
  const publicKey = typeof value === 'object' && value !== null ? Reflect.get(value, 'publicKey') : undefined;
  const privateKey = typeof value === 'object' && value !== null ? Reflect.get(value, 'privateKey') : undefined;
  if (typeof publicKey !== 'string' || typeof privateKey !== 'string') throw new Error(`${source} does not hold a VAPID key pair ({ publicKey, privateKey }); delete it to generate a new one`);
  return { publicKey, privateKey };
}

/** The file's content when it exists (an install from before keys lived in the store). */
function existing(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/**
 * The VAPID key pair for web push. A file named by `RAPPORT_VAPID_KEYS_FILE` is the operator's
 * (created there on first use). Otherwise the pair lives in the store, created once for every
 * process that shares it; `<dataDir>/vapid.json` of an older install seeds it, so subscriptions
 * made under that key keep working. The private key never leaves the server.
 * @example const vapid = await loadOrCreateVapidKeys(config, database, clock.now());
 */
export async function loadOrCreateVapidKeys(config: Pick<Config, 'vapidKeysFile' | 'dataDir'>, database: Database, now: number): Promise<VapidKeys> {
  if (config.vapidKeysFile !== undefined) {
    createOnce(config.vapidKeysFile, () => JSON.stringify(generateVapidKeys()));
    return parseVapid(fs.readFileSync(config.vapidKeysFile, 'utf8'), config.vapidKeysFile);
  }
  const file = path.join(config.dataDir, 'vapid.json');
  const seed = existing(file);
  const text = await sharedSecret(database, 'vapid-keys', () => (seed === undefined ? JSON.stringify(generateVapidKeys()) : JSON.stringify(parseVapid(seed, file))), now);
  return parseVapid(text, 'the stored VAPID key pair');
}

/**
 * The HMAC key for tracking and unsubscribe links: `RAPPORT_LINK_SECRET` when set, else one
 * random key in the store, created once for every process that shares it (a link signed by one
 * server opens on all). `<dataDir>/link-secret` of an older install seeds it, so links already
 * sent keep working.
 * @example const key = await loadOrCreateLinkSecret(config, database, clock.now());
 */
export async function loadOrCreateLinkSecret(config: Pick<Config, 'linkSecret' | 'dataDir'>, database: Database, now: number): Promise<Buffer> {
  if (config.linkSecret !== undefined) return Buffer.from(config.linkSecret, 'utf8');
  const seed = existing(path.join(config.dataDir, 'link-secret'))?.trim();
  const text = await sharedSecret(database, 'link-secret', () => (seed === undefined || seed === '' ? randomBytes(32).toString('hex') : seed), now);
  return Buffer.from(text, 'utf8');
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

/**
 * Checks that this server seals with the key the other servers on the store use (their key id
 * is kept in the store; the key itself never is). Records this server's key id on first use or
 * after a rotation (the recorded key among this server's old keys); returns the problem when
 * this server cannot open what the others seal.
 * @example const problem = await checkSharedSecretKey(database, secrets, clock.now());
 */
export async function checkSharedSecretKey(database: Database, secrets: SecretBox, now: number): Promise<string | undefined> {
  const recorded = await sharedSecret(database, 'secret-key-id', () => secrets.keyId, now);
  if (recorded === secrets.keyId) return undefined;
  if (secrets.holdsKey(recorded)) {
    await recordSecret(database, 'secret-key-id', secrets.keyId, now);
    return undefined;
  }
  return `this server's secret key (id ${secrets.keyId}) is not the key the other servers on this database seal with (id ${recorded}): set the same RAPPORT_SECRET_KEY on every server (or add theirs to RAPPORT_SECRET_KEYS_OLD); until then this server leaves webhook deliveries sealed under their key to them`;
}

/** Logs destinations whose secret no key this server holds can open (sealed under a key no longer configured). */
export function reportUnreadable(kernel: Kernel, pass: { unreadable: string[] }): void {
  if (pass.unreadable.length > 0) kernel.logger?.error({ destinations: pass.unreadable }, 'destination secrets sealed with a key this server does not hold: add it to RAPPORT_SECRET_KEYS_OLD');
}
