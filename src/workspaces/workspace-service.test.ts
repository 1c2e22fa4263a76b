import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { manualClock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { sha256Hex } from '../shared/ids.js';
import { WorkspaceService } from './workspace-service.js';

describe.each(dialects)('workspace service (%s)', (dialect) => {
  let store: TestStore;
  let service: WorkspaceService;
  const clock = manualClock(1_700_000_000_000);

  beforeEach(async () => {
    store = await createTestStore(dialect);
    service = new WorkspaceService({ database: store.database, clock });
  });
  afterEach(async () => {
    await store.drop();
  });

  it('bootstraps once: the second start creates nothing and shows no secret', async () => {
    const first = await service.bootstrap({});
    expect(first.created).toBe(true);
    expect(first.writeKey).toMatch(/^wk_/);
    expect(first.adminToken).toMatch(/^rpt_/);
    const second = await service.bootstrap({});
    expect(second.created).toBe(false);
    expect(second.adminToken).toBeUndefined();
    expect(await service.listWriteKeys('default')).toHaveLength(1);
  });

  it('uses the bootstrap key and token from the environment instead of random ones', async () => {
    const boot = await service.bootstrap({ writeKey: 'WK_ENV', adminToken: 'ADM_ENV' });
    expect(boot.writeKey).toBe('WK_ENV');
    expect((await service.authenticateWriteKey('WK_ENV'))?.workspaceId).toBe('default');
    const token = await service.authenticateAdmin('ADM_ENV');
    expect(token?.scope).toBe('instance');
    // Set again on a later start: nothing is duplicated.
    await service.bootstrap({ writeKey: 'WK_ENV', adminToken: 'ADM_ENV' });
    expect(await service.listWriteKeys('default')).toHaveLength(1);
    expect(await service.listAdminTokens('default')).toHaveLength(1);
  });

  it('stores admin tokens hashed, never in plain text', async () => {
    const created = await service.createAdminToken('default', 'ci');
    const rows = await store.database.db.selectFrom('admin_tokens').select('token_hash').execute();
    expect(rows.map((row) => row.token_hash)).toEqual([sha256Hex(created.plain)]);
    expect(JSON.stringify(rows)).not.toContain(created.plain);
  });

  it('stops accepting a revoked write key once the cache expires', async () => {
    const key = await service.createWriteKey('default', 'web');
    expect(await service.authenticateWriteKey(key.key)).toBeDefined();
    await service.revokeWriteKey('default', key.id);
    expect(await service.authenticateWriteKey(key.key)).toBeUndefined();
    await expect(service.revokeWriteKey('default', key.id)).rejects.toBeInstanceOf(RapportError);
  });

  it('creates workspaces with their own key and token, and refuses bad or taken ids', async () => {
    const created = await service.createWorkspace('shop-2', 'Shop 2');
    expect((await service.authenticateWriteKey(created.writeKey.key))?.workspaceId).toBe('shop-2');
    expect((await service.authenticateAdmin(created.adminToken.plain))?.scope).toBe('workspace');
    await expect(service.createWorkspace('shop-2', 'again')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.createWorkspace('Shop 2', 'bad')).rejects.toMatchObject({ code: 'workspace.id_invalid', type: 'invalid_request' });
  });
});
