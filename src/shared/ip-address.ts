/*
 * IP addresses as an attacker writes them, parsed the way the operating system reads them:
 * IPv4 in any inet_aton form (2130706433, 0177.0.0.1, 0x7f.1, 127.1, a trailing dot), IPv6
 * with compression, an embedded IPv4 tail, a zone (`fe80::1%eth0`, `%25` in URLs) and
 * brackets, and IPv6 addresses that carry an IPv4 address (mapped, compatible, NAT64, 6to4),
 * which are judged by the IPv4 address they reach. Pure: no DNS, no sockets.
 */

/** A parsed address: 4 or 16 bytes, network order. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** A range of addresses (`10.0.0.0/8`, `fc00::/7`). */
export interface IpRange {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

function ipv4Part(text: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return Number.parseInt(text.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  return undefined;
}

/**
 * An IPv4 address in any form inet_aton accepts: one to four parts, each decimal, octal (a
 * leading 0) or hex (0x), the last part filling the remaining bytes; one trailing dot allowed.
 * @example parseIpv4('0x7f.1') // { family: 4, bytes: [127, 0, 0, 1] }
 */
export function parseIpv4(text: string): IpAddress | undefined {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  const parts = trimmed.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const value = ipv4Part(part);
    if (value === undefined || !Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  const last = values.pop() ?? 0;
  if (values.some((value) => value > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let number = last;
  values.forEach((value, index) => {
    number += value * 2 ** (8 * (3 - index));
  });
  return { family: 4, bytes: Uint8Array.of(Math.floor(number / 2 ** 24) % 256, Math.floor(number / 2 ** 16) % 256, Math.floor(number / 2 ** 8) % 256, number % 256) };
}

/** Dotted-quad IPv4 only (as an IPv6 tail must be written). */
function strictIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255)) return undefined;
  return parts.map(Number);
}

function groupsOf(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const tail = strictIpv4(part);
      if (tail === undefined) return undefined;
      groups.push(((tail[0] ?? 0) << 8) | (tail[1] ?? 0), ((tail[2] ?? 0) << 8) | (tail[3] ?? 0));
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/**
 * An IPv6 address, with or without brackets and zone (`%eth0`, or `%25eth0` as URLs write it);
 * the zone is dropped (it names an interface, not another host).
 * @example parseIpv6('[::ffff:7f00:1]') // { family: 6, bytes: [0,...,0xff,0xff,127,0,0,1] }
 */
export function parseIpv6(text: string): IpAddress | undefined {
  let inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = inner.indexOf('%');
  if (zone !== -1) inner = inner.slice(0, zone);
  if (!inner.includes(':')) return undefined;
  const halves = inner.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return { family: 6, bytes };
}

/**
 * A URL host or resolver answer as an IP address, or undefined when it is a name.
 * @example parseIp('2130706433') // 127.0.0.1
 */
export function parseIp(host: string): IpAddress | undefined {
  return host.includes(':') ? parseIpv6(host) : parseIpv4(host);
}

/**
 * The canonical text of an address (RFC 5952 for IPv6: lower case, longest zero run as `::`).
 * @example formatIp(parseIp('0177.0.0.1')!) // '127.0.0.1'
 */
export function formatIp(address: IpAddress): string {
  const { bytes } = address;
  if (address.family === 4) return Array.from(bytes).join('.');
  const groups = Array.from({ length: 8 }, (_, index) => ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start += 1) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length += 1;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * A CIDR range (`10.0.0.0/8`, `::1/128`; a bare address is a single-address range).
 * @example parseRange('127.0.0.1/32')
 */
export function parseRange(text: string): IpRange | undefined {
  const [base = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const address = parseIp(base);
  if (address === undefined) return undefined;
  const bits = address.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { family: address.family, bytes: address.bytes, prefix };
}

/** Whether the range holds the address (same family only). */
export function inRange(address: IpAddress, range: IpRange): boolean {
  if (address.family !== range.family) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const take = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((address.bytes[bit / 8] ?? 0) & mask) !== ((range.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function range(text: string): IpRange {
  const parsed = parseRange(text);
  if (parsed === undefined) throw new Error(`bad built-in range ${text}`);
  return parsed;
}

/** Ranges no outbound request may reach unless the operator allows them; first match names the reason. */
const blockedRanges: [IpRange, string][] = [
  [range('169.254.169.254/32'), 'cloud metadata'],
  [range('fd00:ec2::254/128'), 'cloud metadata'],
  [range('255.255.255.255/32'), 'broadcast'],
  [range('0.0.0.0/8'), 'unspecified ("this network")'],
  [range('10.0.0.0/8'), 'private'],
  [range('100.64.0.0/10'), 'carrier-grade NAT'],
  [range('127.0.0.0/8'), 'loopback'],
  [range('169.254.0.0/16'), 'link-local'],
  [range('172.16.0.0/12'), 'private'],
  [range('192.0.0.0/24'), 'IETF protocol assignments'],
  [range('192.0.2.0/24'), 'documentation'],
  [range('192.88.99.0/24'), '6to4 relay'],
  [range('192.168.0.0/16'), 'private'],
  [range('198.18.0.0/15'), 'benchmarking'],
  [range('198.51.100.0/24'), 'documentation'],
  [range('203.0.113.0/24'), 'documentation'],
  [range('224.0.0.0/4'), 'multicast'],
  [range('240.0.0.0/4'), 'reserved'],
  [range('::/128'), 'unspecified'],
  [range('::1/128'), 'loopback'],
  [range('100::/64'), 'discard'],
  [range('2001::/32'), 'Teredo tunnel'],
  [range('2001:10::/28'), 'ORCHID'],
  [range('2001:20::/28'), 'ORCHIDv2'],
  [range('2001:db8::/32'), 'documentation'],
  [range('64:ff9b:1::/48'), 'local-use NAT64'],
  [range('fc00::/7'), 'unique-local'],
  [range('fe80::/10'), 'link-local'],
  [range('fec0::/10'), 'site-local'],
  [range('ff00::/8'), 'multicast'],
];

const mapped = range('::ffff:0:0/96');
const compatible = range('::/96');
const nat64 = range('64:ff9b::/96');
const sixToFour = range('2002::/16');

/**
 * The IPv4 address an IPv6 address stands for: mapped and compatible forms reach it on this
 * machine; NAT64 and 6to4 reach it through a gateway.
 */
export function embeddedIpv4(address: IpAddress): { address: IpAddress; sameHost: boolean } | undefined {
  if (address.family !== 6) return undefined;
  const { bytes } = address;
  if (inRange(address, mapped) || inRange(address, compatible)) return { address: { family: 4, bytes: bytes.slice(12, 16) }, sameHost: true };
  if (inRange(address, nat64)) return { address: { family: 4, bytes: bytes.slice(12, 16) }, sameHost: false };
  if (inRange(address, sixToFour)) return { address: { family: 4, bytes: bytes.slice(2, 6) }, sameHost: false };
  return undefined;
}

/**
 * Why an address is not public (loopback, private, link-local, CGNAT, unique-local, multicast,
 * unspecified, broadcast, metadata, ...), or undefined for a public address. An IPv6 address
 * carrying an IPv4 address is judged by both.
 * @example blockedReason(parseIp('[::ffff:127.0.0.1]')!) // 'loopback'
 */
export function blockedReason(address: IpAddress): string | undefined {
  const own = blockedRanges.find(([block]) => inRange(address, block))?.[1];
  if (own !== undefined) return own;
  const inner = embeddedIpv4(address);
  return inner === undefined ? undefined : blockedReason(inner.address);
}

/**
 * Whether an operator range allows the address; an IPv4-mapped address is allowed by the
 * IPv4 range it maps to (it reaches the same host).
 */
export function allowedBy(address: IpAddress, ranges: readonly IpRange[]): boolean {
  if (ranges.some((entry) => inRange(address, entry))) return true;
  const inner = embeddedIpv4(address);
  return inner !== undefined && inner.sameHost && ranges.some((entry) => inRange(inner.address, entry));
}
