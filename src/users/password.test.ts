import { describe, expect, it } from 'vitest';
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from './password.js';

describe('password hashing (scrypt)', () => {
  it('verifies the password it hashed and nothing else, with a fresh salt each time', async () => {
    const stored = await hashPassword('correct horse battery staple');
    // OWASP's parameters are written into the hash: N = 2^17, r = 8, p = 1.
    expect(stored).toMatch(/^scrypt\$17\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(stored);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hashPassword('Ame\u0301lie 2026 passphrase');
    expect(await verifyPassword('Am\u00e9lie 2026 passphrase', stored)).toBe(true);
  });

  it('refuses malformed hashes and parameters a corrupted row could blow up to', async () => {
    expect(await verifyPassword('x', 'plain text')).toBe(false);
    expect(await verifyPassword('x', UNKNOWN_USER_HASH.replace('scrypt$17$', 'scrypt$30$'))).toBe(false);
    expect(await verifyPassword('x', UNKNOWN_USER_HASH)).toBe(false);
  });
});
