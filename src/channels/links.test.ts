import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LinkSigner } from './links.js';

const SECRET = Buffer.alloc(32, 7);
const signer = new LinkSigner(SECRET);
const token = signer.sign({ k: 'click', w: 'ws', m: 'msg_1', u: 'https://shop.example/p?a=1' });

describe('LinkSigner', () => {
  it('verifies the token it signed', () => {
    expect(signer.verify(token)).toEqual({ k: 'click', w: 'ws', m: 'msg_1', u: 'https://shop.example/p?a=1' });
  });

  it.each([
    ['a trailing character', `${token}x`],
    ['a trailing dot', `${token}.`],
    ['base64 padding', `${token}==`],
    ['a second MAC part', `${token}.${token.split('.')[1] ?? ''}`],
    ['trailing whitespace', `${token} `],
    ['a trailing NUL', `${token}\u0000`],
    ['an encoded newline', `${token}%0A`],
    ['junk inside the MAC', `${token.slice(0, -4)}!${token.slice(-4)}`],
    ['standard base64 instead of base64url', token.replace(/-/g, '+').replace(/_/g, '/')],
    ['no MAC', token.split('.')[0] ?? ''],
    ['an empty body', `.${token.split('.')[1] ?? ''}`],
  ])('refuses the token with %s', (_label, variant) => {
    expect(variant).not.toBe(token);
    expect(signer.verify(variant)).toBeUndefined();
  });

  it('refuses a body that decodes to the same JSON but is spelt differently', () => {
    const [body, mac] = token.split('.');
    if (body === undefined || mac === undefined) throw new Error('malformed token');
    // A body with spare bits set in its last character decodes to the same bytes. The MAC is
    // over the text, so these are signed with the real key: verify must check the spelling itself.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twins = [...alphabet].map((c) => `${body.slice(0, -1)}${c}`).filter((candidate) => candidate !== body && Buffer.from(candidate, 'base64url').equals(Buffer.from(body, 'base64url')));
    const forge = (text: string) => `${text}.${createHmac('sha256', SECRET).update(text).digest().subarray(0, 16).toString('base64url')}`;
    expect(twins.length).toBeGreaterThan(0);
    for (const twin of twins) expect(signer.verify(forge(twin))).toBeUndefined();
    // Signed JSON with whitespace or extra keys is not what sign() writes.
    const spaced = Buffer.from(JSON.stringify({ k: 'open', w: 'ws', m: 'm' }, null, 1)).toString('base64url');
    expect(signer.verify(forge(spaced))).toBeUndefined();
  });

  it('refuses a token signed with another secret', () => {
    expect(new LinkSigner(Buffer.alloc(32, 8)).verify(token)).toBeUndefined();
  });
});
