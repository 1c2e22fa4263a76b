import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('outbound and secret-key settings', () => {
  it('reads the operator allow list and the secret keys', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      RAPPORT_OUTBOUND_ALLOW: ' 127.0.0.1/32, 10.0.0.0/8 ,fd00::/8',
      RAPPORT_SECRET_KEY: key,
      RAPPORT_SECRET_KEYS_OLD: `${'cd'.repeat(32)},${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(config.outboundAllow).toEqual(['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8']);
    expect(config.secretKey).toBe(key);
    expect(config.secretKeysOld).toHaveLength(2);
    expect(loadConfig({})).toMatchObject({ outboundAllow: [], secretKey: undefined, secretKeysOld: [] });
  });

  it('refuses a range it cannot read and keys of the wrong size, naming the variable', () => {
    expect(() => loadConfig({ RAPPORT_OUTBOUND_ALLOW: '10.0.0.0/8,intranet.local' })).toThrow(
      new ConfigError('RAPPORT_OUTBOUND_ALLOW entries are IP ranges such as 10.0.0.0/8 or 127.0.0.1/32, got "intranet.local"'),
    );
    expect(() => loadConfig({ RAPPORT_SECRET_KEY: 'too-short' })).toThrow(/RAPPORT_SECRET_KEY must hold 32-byte keys/);
    expect(() => loadConfig({ RAPPORT_SECRET_KEYS_OLD: 'abcd' })).toThrow(/RAPPORT_SECRET_KEYS_OLD must hold 32-byte keys/);
  });
});
