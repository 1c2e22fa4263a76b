import { lookup } from 'node:dns/promises';
import { RapportError } from '../../shared/errors.js';
import { allowedBy, blockedReason, formatIp, parseIp, parseRange, type IpAddress, type IpRange } from '../../shared/ip-address.js';

/** `localhost` and every `*.localhost` name resolve to loopback wherever they are looked up (RFC 6761). */
const LOOPBACK_NAMES = /^(?:.+\.)?localhost$/;
const LOOPBACK: IpAddress = { family: 4, bytes: Uint8Array.from([127, 0, 0, 1]) };

/** Resolves a host name to every address it has (tests inject one; default the system resolver). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Where a checked URL may be connected: the host as written and the addresses it was checked at. */
export interface CheckedTarget {
  url: URL;
  /** The host to name in `Host` and TLS SNI (a name, or the canonical IP text). */
  hostname: string;
  /** Every address the name resolved to, all allowed; the connection goes to one of these only. */
  addresses: { address: string; family: 4 | 6 }[];
}

export type CheckOutcome = { ok: true; target: CheckedTarget } | { ok: false; reason: string; retryable: boolean };

/**
 * Operator ranges from `RAPPORT_OUTBOUND_ALLOW` (`127.0.0.1/32,10.0.0.0/8`); throws on a bad entry.
 * @example parseAllowList(['127.0.0.1/32'])
 */
export function parseAllowList(entries: readonly string[]): IpRange[] {
  return entries.map((entry) => {
    const range = parseRange(entry);
    if (range === undefined) throw new Error(`"${entry}" is not an IP range (write 10.0.0.0/8, 127.0.0.1/32 or fd00::/8)`);
    return range;
  });
}

/**
 * The server-side request forgery guard. A URL passes when it is http(s) and every address its
 * host resolves to is public, or inside a range the operator allows; a name resolving to both
 * public and private addresses is refused. Workspaces cannot widen this: only the operator's
 * allow list can.
 * @example const guard = new OutboundGuard({ allow: parseAllowList(config.outboundAllow) });
 */
export class OutboundGuard {
  readonly #allow: readonly IpRange[];
  readonly #resolve: Resolver;

  constructor(options: { allow?: readonly IpRange[]; resolve?: Resolver } = {}) {
    this.#allow = options.allow ?? [];
    this.#resolve = options.resolve ?? systemResolver;
  }

  /** Why this address may not be reached, or undefined when it may. */
  refusal(address: IpAddress): string | undefined {
    if (allowedBy(address, this.#allow)) return undefined;
    const reason = blockedReason(address);
    return reason === undefined ? undefined : `destination ${formatIp(address)} is a ${reason} address; only the server operator can allow it (RAPPORT_OUTBOUND_ALLOW)`;
  }

  /**
   * Why `text` may not be stored as a destination, judged from the URL alone: not http(s), or a
   * literal address (any IPv4 spelling, IPv6, IPv4-mapped IPv6) or a localhost name the operator
   * has not allowed. Names are checked again, resolved, at every send (`check`).
   */
  literalRefusal(text: string): string | undefined {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'not a valid URL (IPv6 zones and malformed hosts are refused)';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are called, not ${url.protocol}`;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    if (LOOPBACK_NAMES.test(host)) {
      return this.refusal(LOOPBACK) === undefined ? undefined : `${host} is a loopback name; only the server operator can allow loopback (RAPPORT_OUTBOUND_ALLOW)`;
    }
    const literal = parseIp(url.hostname);
    return literal === undefined ? undefined : this.refusal(literal);
  }

  /**
   * Throws `outbound.destination_refused` (400) naming `field` when `literalRefusal` refuses the URL: where a
   * destination is created, so a private target is refused then and not only at the first send.
   * @example guard.assertStorable(body.url, 'url');
   */
  assertStorable(text: string, field: string): void {
    const refused = this.literalRefusal(text);
    if (refused === undefined) return;
    throw new RapportError('outbound.destination_refused', `${field}: ${refused}`, [{ field, rule: 'destination', message: refused }]);
  }

  /** Parses the URL, resolves its host and checks every address. */
  async check(text: string): Promise<CheckOutcome> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, reason: 'not a valid URL (IPv6 zones and malformed hosts are refused)', retryable: false };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `only http and https URLs are called, not ${url.protocol}`, retryable: false };
    const literal = parseIp(url.hostname);
    if (literal !== undefined) {
      const refused = this.refusal(literal);
      if (refused !== undefined) return { ok: false, reason: refused, retryable: false };
      return { ok: true, target: { url, hostname: formatIp(literal), addresses: [{ address: formatIp(literal), family: literal.family }] } };
    }
    let answers: string[];
    try {
      answers = await this.#resolve(url.hostname);
    } catch (error) {
      return { ok: false, reason: `cannot resolve ${url.hostname}: ${error instanceof Error ? error.message : String(error)}`, retryable: true };
    }
    if (answers.length === 0) return { ok: false, reason: `${url.hostname} has no address`, retryable: true };
    const addresses: CheckedTarget['addresses'] = [];
    for (const answer of answers) {
      const address = parseIp(answer);
      if (address === undefined) return { ok: false, reason: `${url.hostname} resolved to "${answer}", which is not an IP address`, retryable: false };
      const refused = this.refusal(address);
      if (refused !== undefined) return { ok: false, reason: `${url.hostname} resolves to a refused address: ${refused}`, retryable: false };
      addresses.push({ address: formatIp(address), family: address.family });
    }
    return { ok: true, target: { url, hostname: url.hostname, addresses } };
  }
}
