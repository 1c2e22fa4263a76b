import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Signed tokens for links that leave Rapport in a message: open pixel, click redirect,
 * unsubscribe and preferences, double opt-in confirmation. The payload is readable (no
 * secrets in it); the HMAC makes it unforgeable, so nobody can unsubscribe someone else or turn
 * the redirect into an open redirect.
 */
export type LinkPayload =
  | { k: 'open'; w: string; m: string }
  | { k: 'click'; w: string; m: string; u: string }
  | { k: 'unsubscribe'; w: string; p: string; c: string; m?: string }
  | { k: 'confirm'; w: string; p: string; c: string };

function isPayload(value: unknown): value is LinkPayload {
  if (typeof value !== 'object' || value === null) return false;
  const kind: unknown = Reflect.get(value, 'k');
  const str = (key: string) => typeof Reflect.get(value, key) === 'string';
  if (!str('w')) return false;
  if (kind === 'open') return str('m');
  if (kind === 'click') return str('m') && str('u');
  if (kind === 'unsubscribe' || kind === 'confirm') return str('p') && str('c');
  return false;
}

/** `<base64url JSON>.<22 base64url characters of MAC>`, nothing else. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/;

/**
 * Signs and verifies link tokens with one secret.
 * @example const links = new LinkSigner(secret); const token = links.sign({ k: 'open', w: 'ws', m: 'msg_1' });
 */
export class LinkSigner {
  private key: Buffer | undefined;

  /** `secret` may be a function: the key is then read (or created) on first use only. */
  constructor(private readonly secret: Buffer | (() => Buffer)) {
    if (Buffer.isBuffer(secret)) this.key = LinkSigner.checked(secret);
  }

  private static checked(secret: Buffer): Buffer {
    if (secret.length < 16) throw new Error('the link secret must be at least 16 bytes');
    return secret;
  }

  sign(payload: LinkPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /**
   * The payload of a valid token; undefined for a forged, truncated or foreign token, and for
   * any spelling but the one `sign` produces: base64url decoders skip junk and padding, so
   * `<token>.`, `<token>==` or `<token>x` would otherwise verify as the same link.
   */
  verify(token: string): LinkPayload | undefined {
    if (!TOKEN_FORMAT.test(token)) return undefined;
    const dot = token.indexOf('.');
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const json = Buffer.from(body, 'base64url');
    // Canonical body: re-encoding gives the same text (no stray trailing bits or characters).
    if (json.toString('base64url') !== body) return undefined;
    try {
      const payload: unknown = JSON.parse(json.toString('utf8'));
      // The exact JSON `sign` writes for it: no extra fields, whitespace or duplicate keys.
      return isPayload(payload) && JSON.stringify(payload) === json.toString('utf8') ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    // 128 bits of HMAC-SHA256: plenty against forgery, short enough for links.
    if (this.key === undefined) this.key = LinkSigner.checked(typeof this.secret === 'function' ? this.secret() : this.secret);
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}

/** Public URLs of the tracking and preference endpoints under a base URL. */
export function linkUrls(baseUrl: string) {
  const base = baseUrl.replace(/\/$/, '');
  return {
    open: (token: string) => `${base}/v1/o/${token}.gif`,
    click: (token: string) => `${base}/v1/c/${token}`,
    unsubscribe: (token: string) => `${base}/v1/u/${token}`,
    confirm: (token: string) => `${base}/v1/confirm/${token}`,
  };
}

/**
 * Rewrites every http(s) link of an HTML email to the signed click redirect and adds the open
 * pixel. Links already pointing at Rapport (unsubscribe) and non-web links are left alone.
 * @example addTracking(html, { baseUrl, sign: (url) => links.sign({ k: 'click', w, m, u: url }), pixel })
 */
export function addTracking(html: string, options: { baseUrl: string; clickToken: (url: string) => string; openToken: string }): string {
  const urls = linkUrls(options.baseUrl);
  const base = options.baseUrl.replace(/\/$/, '');
  const tracked = html.replace(/(<a\b[^>]*?\shref=)(["'])(https?:\/\/[^"']+)\2/gi, (match, prefix: string, quote: string, url: string) => {
    if (url.startsWith(base)) return match;
    const decoded = url.replace(/&amp;/g, '&');
    return `${prefix}${quote}${urls.click(options.clickToken(decoded))}${quote}`;
  });
  const pixel = `<img src="${urls.open(options.openToken)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" />`;
  return /<\/body>/i.test(tracked) ? tracked.replace(/<\/body>/i, `${pixel}</body>`) : `${tracked}${pixel}`;
}
