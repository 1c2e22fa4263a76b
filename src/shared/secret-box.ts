import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/*
 * Secrets at rest (webhook signing secrets, URL credentials): AES-256-GCM under a key the
 * server operator holds, never the database. A sealed value names its key by id, so the
 * operator can rotate: the new key seals, old keys still open, and a re-seal pass moves every
 * value to the new key. The context (what the value is and whose) is bound as associated data,
 * so a sealed value copied into another workspace's row does not open there.
 */

const prefix = 'rsec1.';

export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/**
 * A 256-bit key written as 64 hex characters or base64 of 32 bytes.
 * @example parseSecretKey(crypto.randomBytes(32).toString('hex'))
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new SecretKeyError('a secret key is 32 bytes, written as 64 hex characters or base64 (openssl rand -hex 32)');
  return key;
}

/** The public name of a key: a hash prefix, so values say which key sealed them without revealing it. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('rapport-secret-key\0').update(key).digest('hex').slice(0, 12);
}

/** Whether a stored value is sealed (else it is a plaintext row from before encryption). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(prefix);
}

/**
 * Seals and opens secrets. Plaintext values written before encryption open as themselves, so
 * old rows keep working until the re-seal pass rewrites them.
 * @example const box = new SecretBox(parseSecretKey(hex)); const stored = box.seal('whsec_...', 'webhook:ws1'); box.open(stored, 'webhook:ws1');
 */
export class SecretBox {
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys = new Map<string, Buffer>();

  constructor(current: Buffer, old: readonly Buffer[] = []) {
    if (current.length !== 32) throw new SecretKeyError('the secret key must be 32 bytes');
    this.#current = current;
    this.keyId = keyIdOf(current);
    for (const key of [current, ...old]) this.#keys.set(keyIdOf(key), key);
  }

  /** Whether this box opens what is sealed under the key `keyId` (its current key or an old one). */
  holdsKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** A box with a random key held in memory only (tests and benchmarks: nothing outlives the process). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${prefix}${this.keyId}.${sealed.toString('base64url')}`;
  }

  /** The plain value; throws SecretKeyError when the key is unknown or the value was altered. */
  open(stored: string, context: string): string {
    if (!isSealed(stored)) return stored;
    const [keyId = '', payload = ''] = stored.slice(prefix.length).split('.');
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new SecretKeyError(`a secret is sealed with key ${keyId}, which is not configured (add it to RAPPORT_SECRET_KEYS_OLD)`);
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < 28) throw new SecretKeyError('a sealed secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError('a sealed secret does not open: it was altered or belongs to another row');
    }
  }

  /** Whether a stored value is sealed with the current key (nothing to re-seal). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${prefix}${this.keyId}.`);
  }

  /** The value sealed under the current key (plaintext and old-key values), or undefined when it already is. */
  reseal(stored: string, context: string): string | undefined {
    return this.isCurrent(stored) ? undefined : this.seal(this.open(stored, context), context);
  }
}
