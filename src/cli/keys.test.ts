import { describe, expect, it } from 'vitest';
import { captureCli } from '../../test/helpers/cli.js';
import { runCli } from './cli.js';

describe('rapport keys with scopes and expiry', () => {
  const io = captureCli();

  it('creates a read-only expiring token and an expiring write key, and lists both limits', async () => {
    expect(await runCli(['keys', 'create-token', 'dashboard', '--scopes', 'read', '--expires', '30d'])).toBe(0);
    expect(io.out).toMatch(/^rpt_\S+\n$/);
    expect(await runCli(['keys', 'create-key', 'campaign', '--expires', '2099-01-01T00:00:00Z'])).toBe(0);
    io.out = '';
    expect(await runCli(['keys', 'list'])).toBe(0);
    expect(io.out).toMatch(/campaign {2}\(expires 2099-01-01T00:00:00\.000Z\)/);
    expect(io.out).toMatch(/workspace {2}\[read\] {2}dashboard {2}\(expires \d{4}-/);
    expect(io.out).toMatch(/instance {2}\[read,write,admin\] {2}Bootstrap token/);
  });

  it('creates a write key limited to write-key scopes and lists every key with its scopes', async () => {
    expect(await runCli(['keys', 'create-key', 'backfill', '--scopes', 'import,track'])).toBe(0);
    expect(io.out).toMatch(/^wk_\S+\n$/);
    expect(await runCli(['keys', 'create-key', 'campaign'])).toBe(0);
    io.out = '';
    expect(await runCli(['keys', 'list'])).toBe(0);
    expect(io.out).toMatch(/\[track,import\] {2}backfill/);
    expect(io.out).toMatch(/\[track,identify,import,onsite\] {2}campaign/);
    expect(await runCli(['keys', 'create-key', 'y', '--scopes', 'read'])).toBe(2);
    expect(io.err).toContain('--scopes takes a comma list of track, identify, import, onsite');
  });

  it('explains a bad scope or expiry instead of creating a token', async () => {
    expect(await runCli(['keys', 'create-token', 'x', '--scopes', 'read,root'])).toBe(2);
    expect(await runCli(['keys', 'create-token', 'x', '--expires', 'soon'])).toBe(2);
    expect(io.err).toContain('--scopes takes a comma list of read, write, admin');
    io.out = '';
    expect(await runCli(['keys', 'list'])).toBe(0);
    expect(io.out).not.toContain('  x');
  });
});
