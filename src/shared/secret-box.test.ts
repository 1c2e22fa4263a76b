import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/databases.js';
import { loadOrCreateSecretBox } from '../channels/key-files.js';
import { isSealed, parseSecretKey, SecretBox } from './secret-box.js';

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('seals with AES-256-GCM under a named key and opens only in the same context', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('whsec_abc', 'webhook:ws1');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('whsec_abc');
    expect(sealed.startsWith(`rsec1.${box.keyId}.`)).toBe(true);
    expect(box.seal('whsec_abc', 'webhook:ws1')).not.toBe(sealed);
    expect(box.open(sealed, 'webhook:ws1')).toBe('whsec_abc');
    // Copied into another workspace's row, it does not open; altered, it does not open.
    expect(() => box.open(sealed, 'webhook:ws2')).toThrow(/altered or belongs to another row/);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => box.open(tampered, 'webhook:ws1')).toThrow();
  });

  it('opens plaintext rows from before sealing as they are', () => {
    expect(new SecretBox(key).open('whsec_legacy', 'webhook:ws1')).toBe('whsec_legacy');
  });

  it('rotates: the new key seals, old keys still open, reseal moves values to the new key', () => {
    const before = new SecretBox(key);
    const sealed = before.seal('whsec_old', 'c');
    const next = new SecretBox(randomBytes(32), [key]);
    expect(next.open(sealed, 'c')).toBe('whsec_old');
    expect(next.isCurrent(sealed)).toBe(false);
    const moved = next.reseal(sealed, 'c');
    expect(moved !== undefined && next.isCurrent(moved)).toBe(true);
    expect(next.reseal(moved ?? '', 'c')).toBeUndefined();
    expect(next.reseal('whsec_plain', 'c')).toMatch(/^rsec1\./);
    // Without the old key the value names the key that is missing.
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'c')).toThrow(new RegExp(`sealed with key ${before.keyId}.*RAPPORT_SECRET_KEYS_OLD`));
  });

  it('reads keys as hex or base64 and refuses other lengths', () => {
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseSecretKey('short')).toThrow(/32 bytes/);
  });

  it('keeps a generated key in a 0600 file, and still opens its values once an environment key replaces it', () => {
    const dir = tempDir();
    const generated = loadOrCreateSecretBox(undefined, [], dir);
    const file = path.join(dir, 'secret-key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const sealed = generated.seal('whsec_x', 'c');
    expect(loadOrCreateSecretBox(undefined, [], dir).open(sealed, 'c')).toBe('whsec_x');
    const rotated = loadOrCreateSecretBox(randomBytes(32).toString('hex'), [], dir);
    expect(rotated.keyId).not.toBe(generated.keyId);
    expect(rotated.open(sealed, 'c')).toBe('whsec_x');
  });
});
