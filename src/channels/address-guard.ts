import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/*
 * Server-side request forgery guard for webhook destinations: a shop's webhook must not reach
 * the machine's loopback, the private network or cloud metadata addresses unless the
 * destination was explicitly allowed to.
 */
const v4Blocks: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local, cloud metadata
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 protocol assignments
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, broadcast
];

function v4Number(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/**
 * Whether an IP address is loopback, private, link-local or otherwise not public.
 * @example isPrivateAddress('10.1.2.3') // true
 */
export function isPrivateAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const value = v4Number(address);
    return v4Blocks.some(([base, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  if (version === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped?.[1] !== undefined) return isPrivateAddress(mapped[1]);
    return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff');
  }
  return true;
}

/**
 * Resolves a URL's host and refuses it when any address is private (a name resolving to both
 * public and private addresses is refused too). Returns the reason, or undefined when allowed.
 * @example await privateDestination('http://127.0.0.1:8080/hook') // 'destination 127.0.0.1 is a private or loopback address'
 */
export async function privateDestination(url: string): Promise<string | undefined> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return `not a valid URL: ${url}`;
  }
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return `cannot resolve ${host}`;
  }
  const blocked = addresses.find(isPrivateAddress);
  return blocked === undefined ? undefined : `destination ${blocked} is a private or loopback address; allow private destinations for this webhook to send there`;
}
