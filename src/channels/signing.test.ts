import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addTracking, LinkSigner } from './links.js';
import { signWebhook, verifyWebhook } from './standard-webhooks.js';

describe('Standard Webhooks signatures', () => {
  // The example of the Standard Webhooks specification (standard-webhooks/spec, "Verifying webhooks").
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the specification example', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies within the tolerance, refuses tampering and replays', () => {
    const signature = signWebhook(secret, id, timestamp, body);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature: `v1,bogus ${signature}` }, body, timestamp + 10)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, `${body} `, timestamp)).toBe(false);
    expect(verifyWebhook(secret, { id, timestamp: String(timestamp), signature }, body, timestamp + 301)).toBe(false);
    expect(verifyWebhook('whsec_' + randomBytes(24).toString('base64'), { id, timestamp: String(timestamp), signature }, body, timestamp)).toBe(false);
  });
});

describe('signed links', () => {
  const links = new LinkSigner(randomBytes(32));

  it('round-trips payloads and refuses forged, truncated or foreign tokens', () => {
    const token = links.sign({ k: 'click', w: 'ws', m: 'msg_1', u: 'https://shop.example/a?b=1' });
    expect(links.verify(token)).toEqual({ k: 'click', w: 'ws', m: 'msg_1', u: 'https://shop.example/a?b=1' });
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'click', w: 'ws', m: 'msg_1', u: 'https://evil.example' })).toString('base64url');
    expect(links.verify(`${forged}.${mac}`)).toBeUndefined();
    expect(links.verify(`${body}.`)).toBeUndefined();
    expect(links.verify(token.slice(0, -4))).toBeUndefined();
    expect(new LinkSigner(randomBytes(32)).verify(token)).toBeUndefined();
    expect(links.verify('garbage')).toBeUndefined();
  });

  it('rewrites web links to the click redirect and adds the pixel, leaving its own links alone', () => {
    const html = '<html><body><a href="https://shop.example/x?a=1&amp;b=2">X</a> <a href="mailto:help@shop.example">Mail</a> <a href="https://r.example/v1/u/tok">Unsub</a></body></html>';
    const seen: string[] = [];
    const out = addTracking(html, { baseUrl: 'https://r.example', openToken: 'OPEN', clickToken: (url) => (seen.push(url), 'CLICK') });
    expect(seen).toEqual(['https://shop.example/x?a=1&b=2']);
    expect(out).toContain('href="https://r.example/v1/c/CLICK"');
    expect(out).toContain('href="mailto:help@shop.example"');
    expect(out).toContain('href="https://r.example/v1/u/tok"');
    expect(out).toMatch(/<img src="https:\/\/r\.example\/v1\/o\/OPEN\.gif"[^>]*><\/body>/);
  });
});
