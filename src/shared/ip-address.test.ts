import { describe, expect, it } from 'vitest';
import { allowedBy, blockedReason, formatIp, parseIp, parseRange, type IpAddress } from './ip-address.js';

function ip(text: string): IpAddress {
  const parsed = parseIp(text);
  if (parsed === undefined) throw new Error(`${text} did not parse`);
  return parsed;
}

describe('address parser', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['017700000001', '127.0.0.1'],
    ['169.254.43518', '169.254.169.254'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::ffff:7f00:1', '::ffff:7f00:1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]', 'fe80::1'],
    ['FD00:EC2::254', 'fd00:ec2::254'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1::', '1::'],
    ['::', '::'],
  ])('reads %s as %s', (text, canonical) => {
    expect(formatIp(ip(text))).toBe(canonical);
  });

  it.each(['example.com', '256.0.0.1', '1.2.3.4.5', '08.0.0.1', '0x1g.0.0.1', '4294967296', '1.256.0', '::1::2', '1:2:3:4:5:6:7:8:9', 'fe80::1:2:3:4:5:6:7', '::ffff:1.2.3', 'localhost.', '', '.'])(
    'reads %s as a name, not an address',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it('parses ranges and refuses malformed ones', () => {
    expect(parseRange('10.0.0.0/8')).toMatchObject({ family: 4, prefix: 8 });
    expect(parseRange('::1')).toMatchObject({ family: 6, prefix: 128 });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/8/1', 'example.com/8', '10.0.0.0/x', '10.0.0.0/']) expect(parseRange(bad)).toBeUndefined();
  });
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[::ffff:169.254.169.254]', 'cloud metadata'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:0:4136:e378::1', 'Teredo tunnel'],
  ])('refuses %s (%s)', (text, reason) => {
    expect(blockedReason(ip(text))).toBe(reason);
  });

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1'])('lets public %s through', (text) => {
    expect(blockedReason(ip(text))).toBeUndefined();
  });

  it('lets an operator range through, an IPv4-mapped address by the IPv4 range it reaches', () => {
    const allow = [parseRange('127.0.0.1/32'), parseRange('10.0.0.0/8')].flatMap((range) => (range === undefined ? [] : [range]));
    expect(allowedBy(ip('127.0.0.1'), allow)).toBe(true);
    expect(allowedBy(ip('[::ffff:127.0.0.1]'), allow)).toBe(true);
    expect(allowedBy(ip('10.200.0.1'), allow)).toBe(true);
    expect(allowedBy(ip('127.0.0.2'), allow)).toBe(false);
    expect(allowedBy(ip('::1'), allow)).toBe(false);
    // NAT64 reaches the embedded address through a gateway, not this host: not covered by the IPv4 range.
    expect(allowedBy(ip('64:ff9b::7f00:1'), allow)).toBe(false);
  });
});
