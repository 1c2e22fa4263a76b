import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * Passwords are hashed with scrypt (memory-hard, in node:crypto, so no native dependency).
 * Parameters follow OWASP's Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1 (128 MiB and
 * about a quarter of a second per hash here). They are written into each hash, so raising them
 * later still verifies old hashes.
 */
const COST_LOG2 = 17;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{16,128})$/;
// Each hash holds 128 MiB: at most two at once, so a burst of sign-ins cannot exhaust memory
// or every libuv thread (the rest wait their turn).
const MAX_CONCURRENT = 2;

let running = 0;
const waiting: Array<() => void> = [];

async function gated<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, costLog2: number, blockSize: number, parallelism: number): Promise<Buffer> {
  const N = 2 ** costLog2;
  const options: ScryptOptions = { N, r: blockSize, p: parallelism, maxmem: 2 * 128 * N * blockSize * parallelism };
  return gated(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error === null ? resolve(key) : reject(error)));
      }),
  );
}

/**
 * The stored form of a password: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`.
 * @example const stored = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST_LOG2, BLOCK_SIZE, PARALLELISM);
  return `scrypt$${COST_LOG2}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * Whether `password` matches `stored`, compared in constant time; false for a malformed hash.
 * @example await verifyPassword('correct horse battery staple', stored) // true
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = FORMAT.exec(stored);
  if (match === null) return false;
  const [, costLog2, blockSize, parallelism, salt, hash] = match;
  if (costLog2 === undefined || blockSize === undefined || parallelism === undefined || salt === undefined || hash === undefined) return false;
  // Bounds on what a hash may ask for: a corrupted row must not allocate gigabytes.
  if (Number(costLog2) > 20 || Number(blockSize) > 16 || Number(parallelism) > 4) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(costLog2), Number(blockSize), Number(parallelism));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of nothing anyone knows: sign-in verifies against it when the email is unknown, so
 * the answer takes as long as for a known email and does not tell which addresses exist.
 */
export const UNKNOWN_USER_HASH = `scrypt$${COST_LOG2}$${BLOCK_SIZE}$${PARALLELISM}$${randomBytes(16).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;
