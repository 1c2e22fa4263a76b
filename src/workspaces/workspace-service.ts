import type { Clock } from '../shared/clock.js';
import { BoundedCache } from '../shared/bounded-cache.js';
import { RapportError } from '../shared/errors.js';
import { randomId, sha256Hex } from '../shared/ids.js';
import { AuditLog } from './audit-log.js';
import type { Database, Tx } from '../storage/database.js';
import { bumpSetting, settingChanges } from '../storage/setting-changes.js';
import * as repo from './store/workspaces.js';
import { ACCESS_SCOPES, WRITE_KEY_SCOPES } from './store/workspaces.js';
import type { AccessScope, AdminToken, TokenScope, Workspace, WriteKey, WriteKeyScope } from './store/workspaces.js';

export type { AccessScope, AdminToken, TokenScope, Workspace, WriteKey, WriteKeyScope };
export { ACCESS_SCOPES, WRITE_KEY_SCOPES } from './store/workspaces.js';

export const DEFAULT_WORKSPACE = 'default';
const WORKSPACE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// Credentials are checked on every request; a cache keeps that off the database. Every change
// of a key or token bumps the `credentials` setting, which clears the caches of every process
// within a poll (about 250 ms); the expiry is the backstop if the store could not be asked.
const AUTH_CACHE_MS = 5000;
/** The setting-change topic of write keys and admin tokens. */
const CREDENTIALS = 'credentials';
/**
 * Longest write key or admin token looked up at all. Issued ones are under 40 characters;
 * anything longer is refused before it reaches the cache or the database (issue 12: unique
 * 400 KB keys once filled the cache until the process died).
 */
export const MAX_CREDENTIAL_LENGTH = 256;
/** Bounds of each credential cache: unknown keys are cached too, so the bound is what an attacker meets. */
const AUTH_CACHE_LIMITS = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 };

export interface Bootstrap {
  /** True when this call created the default workspace (first start). */
  created: boolean;
  workspace: Workspace;
  /** The write key, present when created now or taken from the environment. */
  writeKey: string | undefined;
  /** The plain admin token, present only when created now: it is stored hashed. */
  adminToken: string | undefined;
}

/** Limits of a new credential; omitted fields mean every scope and no expiry. */
export interface CredentialLimits {
  scopes?: AccessScope[] | undefined;
  /** Instant (ms) after which the credential is refused. */
  expiresAt?: number | undefined;
}

/** Refuses an expired credential with a message that says what happened and what to do. */
function unexpired<T extends { id: string; expiresAt: number | null }>(credential: T | undefined, what: string, now: number): T | undefined {
  if (credential !== undefined && credential.expiresAt !== null && credential.expiresAt <= now) {
    throw new RapportError('unauthorized', `the ${what} ${credential.id} expired at ${new Date(credential.expiresAt).toISOString()}; create a new one`);
  }
  return credential;
}

/** Limits of a new write key; omitted fields mean every write-key scope and no expiry. */
export interface WriteKeyLimits {
  scopes?: WriteKeyScope[] | undefined;
  expiresAt?: number | undefined;
}

/** Why `key` may not do what `scope` allows, or undefined when it may. */
export function missingWriteKeyScope(key: WriteKey, scope: WriteKeyScope): string | undefined {
  return key.scopes.includes(scope) ? undefined : `this write key (${key.id}) lacks the "${scope}" scope; it has ${key.scopes.join(', ')}`;
}

/**
 * Throws `forbidden` (403) naming the scope when `key` lacks it. Every route that takes a write
 * key calls this with the scope it needs, after `authenticateWriteKey`.
 * @example requireWriteKeyScope(source, 'onsite');
 */
export function requireWriteKeyScope(key: WriteKey, scope: WriteKeyScope): void {
  const missing = missingWriteKeyScope(key, scope);
  if (missing === undefined) return;
  throw new RapportError('forbidden', `${missing}; create a key with the scope or use another source's key`, [{ field: 'scopes', rule: 'required', message: `needs "${scope}"` }]);
}

export interface CreatedToken {
  token: AdminToken;
  /** Shown once; only its SHA-256 is stored. */
  plain: string;
}

/**
 * Workspaces, write keys (one per source) and admin tokens (stored hashed).
 * @example const { writeKey } = await workspaces.bootstrap({});
 */
export class WorkspaceService {
  private readonly writeKeyCache = new BoundedCache<string, { value: WriteKey | undefined; until: number }>(AUTH_CACHE_LIMITS);
  private readonly tokenCache = new BoundedCache<string, { value: AdminToken | undefined; until: number }>(AUTH_CACHE_LIMITS);

  /** Admin changes in each workspace (who, what, when, from where). */
  readonly audit: AuditLog;
  /** Stops clearing the caches on other processes' changes; set while the caches hold anything. */
  #unwatch: (() => void) | undefined;

  constructor(private readonly deps: { database: Database; clock: Clock }) {
    this.audit = new AuditLog(deps);
  }

  /** First start: creates workspace `default` with a write key and an instance admin token. */
  async bootstrap(options: { writeKey?: string | undefined; adminToken?: string | undefined }): Promise<Bootstrap> {
    const { db } = this.deps.database;
    const now = this.deps.clock.now();
    const created = await repo.insertWorkspace(db, { id: DEFAULT_WORKSPACE, name: 'Default', createdAt: now });
    const workspace = (await repo.getWorkspace(db, DEFAULT_WORKSPACE)) ?? { id: DEFAULT_WORKSPACE, name: 'Default', createdAt: now };
    let writeKey: string | undefined;
    let adminToken: string | undefined;
    if (options.writeKey !== undefined) {
      if ((await repo.findWriteKey(db, options.writeKey)) === undefined) {
        // Several servers may start at once on one database: the first insert wins, the others keep it.
        await repo.insertWriteKey(
          db,
          {
            workspaceId: DEFAULT_WORKSPACE,
            id: randomId('src', 8),
            key: options.writeKey,
            name: 'Bootstrap source',
            createdAt: now,
            revokedAt: null,
            expiresAt: null,
            scopes: [...WRITE_KEY_SCOPES],
          },
          true,
        );
      }
      writeKey = options.writeKey;
    } else if (created) {
      writeKey = (await this.createWriteKey(DEFAULT_WORKSPACE, 'Default source')).key;
    }
    if (options.adminToken !== undefined) {
      if ((await repo.findAdminTokenByHash(db, sha256Hex(options.adminToken))) === undefined) {
        await this.insertToken(DEFAULT_WORKSPACE, 'Bootstrap token', 'instance', options.adminToken, {}, true);
      }
      adminToken = options.adminToken;
    } else if (created) {
      adminToken = (await this.createAdminToken(DEFAULT_WORKSPACE, 'Bootstrap token', 'instance')).plain;
    }
    return { created, workspace, writeKey, adminToken };
  }

  async createWorkspace(id: string, name: string): Promise<{ workspace: Workspace; writeKey: WriteKey; adminToken: CreatedToken }> {
    if (!WORKSPACE_ID.test(id)) {
      throw new RapportError('workspace.id_invalid', 'workspace id must be 1-63 characters of a-z, 0-9, _ or -, starting with a letter or digit', [
        { field: 'id', rule: 'pattern', message: 'use lower-case letters, digits, _ and -' },
      ]);
    }
    const workspace = { id, name, createdAt: this.deps.clock.now() };
    if (!(await repo.insertWorkspace(this.deps.database.db, workspace))) {
      throw new RapportError('conflict', `workspace "${id}" already exists`);
    }
    const writeKey = await this.createWriteKey(id, 'Default source');
    const adminToken = await this.createAdminToken(id, 'Workspace admin', 'workspace');
    return { workspace, writeKey, adminToken };
  }

  getWorkspace(id: string): Promise<Workspace | undefined> {
    return repo.getWorkspace(this.deps.database.db, id);
  }

  listWorkspaces(): Promise<Workspace[]> {
    return repo.listWorkspaces(this.deps.database.db);
  }

  async createWriteKey(workspaceId: string, name: string, limits: WriteKeyLimits = {}): Promise<WriteKey> {
    const now = this.deps.clock.now();
    const expiresAt = this.#expiry(limits.expiresAt, now);
    const scopes = limits.scopes === undefined ? [...WRITE_KEY_SCOPES] : WRITE_KEY_SCOPES.filter((known) => limits.scopes?.includes(known));
    if (scopes.length === 0 || (limits.scopes !== undefined && limits.scopes.some((scope) => !WRITE_KEY_SCOPES.includes(scope)))) {
      throw new RapportError('workspace.scopes_invalid', `scopes must name at least one of ${WRITE_KEY_SCOPES.join(', ')}, and nothing else`, [
        { field: 'scopes', rule: 'enum', message: `name ${WRITE_KEY_SCOPES.join(', ')}` },
      ]);
    }
    const key: WriteKey = { workspaceId, id: randomId('src', 8), key: randomId('wk', 18), name, createdAt: now, revokedAt: null, expiresAt, scopes };
    await this.#changeCredentials(workspaceId, (trx) => repo.insertWriteKey(trx, key));
    return key;
  }

  listWriteKeys(workspaceId: string): Promise<WriteKey[]> {
    return repo.listWriteKeys(this.deps.database.db, workspaceId);
  }

  async revokeWriteKey(workspaceId: string, id: string): Promise<void> {
    if (!(await this.#changeCredentials(workspaceId, (trx) => repo.revokeWriteKey(trx, workspaceId, id, this.deps.clock.now())))) {
      throw new RapportError('not_found', `no active write key "${id}" in this workspace`);
    }
  }

  async createAdminToken(workspaceId: string, name: string, scope: TokenScope = 'workspace', limits: CredentialLimits = {}): Promise<CreatedToken> {
    const plain = randomId('rpt', 24);
    const token = await this.insertToken(workspaceId, name, scope, plain, limits);
    return { token, plain };
  }

  listAdminTokens(workspaceId: string): Promise<AdminToken[]> {
    return repo.listAdminTokens(this.deps.database.db, workspaceId);
  }

  async revokeAdminToken(workspaceId: string, id: string): Promise<void> {
    if (!(await this.#changeCredentials(workspaceId, (trx) => repo.revokeAdminToken(trx, workspaceId, id, this.deps.clock.now())))) {
      throw new RapportError('not_found', `no active admin token "${id}" in this workspace`);
    }
  }

  /** The active write key for `key`, or undefined. */
  async authenticateWriteKey(key: string): Promise<WriteKey | undefined> {
    if (key.length > MAX_CREDENTIAL_LENGTH) return undefined;
    const now = this.deps.clock.now();
    const cached = this.writeKeyCache.get(key);
    if (cached !== undefined && cached.until > now) return unexpired(cached.value, 'write key', now);
    const found = await repo.findWriteKey(this.deps.database.db, key);
    const value = found !== undefined && found.revokedAt === null ? found : undefined;
    this.#watch();
    this.writeKeyCache.set(key, { value, until: now + AUTH_CACHE_MS });
    return unexpired(value, 'write key', now);
  }

  /** The active admin token for a plain bearer token, or undefined. */
  async authenticateAdmin(plain: string): Promise<AdminToken | undefined> {
    if (plain.length > MAX_CREDENTIAL_LENGTH) return undefined;
    const now = this.deps.clock.now();
    const hash = sha256Hex(plain);
    const cached = this.tokenCache.get(hash);
    if (cached !== undefined && cached.until > now) return unexpired(cached.value, 'admin token', now);
    const found = await repo.findAdminTokenByHash(this.deps.database.db, hash);
    const value = found !== undefined && found.revokedAt === null ? found : undefined;
    if (value !== undefined) await repo.touchAdminToken(this.deps.database.db, value.workspaceId, value.id, now);
    this.#watch();
    this.tokenCache.set(hash, { value, until: now + AUTH_CACHE_MS });
    return unexpired(value, 'admin token', now);
  }

  /** Stops following other processes' credential changes (the module's stop). */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** Runs a change of keys or tokens with its setting bump in one transaction, then drops this process's cached answers. */
  async #changeCredentials<T>(workspaceId: string, change: (trx: Tx) => Promise<T>): Promise<T> {
    const result = await this.deps.database.transaction(async (trx) => {
      const value = await change(trx);
      await bumpSetting(trx, CREDENTIALS, workspaceId, this.deps.clock.now());
      return value;
    });
    this.#clearCaches();
    return result;
  }

  #clearCaches(): void {
    this.writeKeyCache.clear();
    this.tokenCache.clear();
  }

  /** Follows credential changes of every process once something is cached (a service that authenticates nothing polls nothing). */
  #watch(): void {
    this.#unwatch ??= settingChanges(this.deps.database).on(CREDENTIALS, () => this.#clearCaches());
  }

  /** Entries and estimated bytes of the credential caches (the unauthenticated-memory test reads them). */
  credentialCacheSize(): { entries: number; bytes: number } {
    return { entries: this.writeKeyCache.size + this.tokenCache.size, bytes: this.writeKeyCache.byteSize + this.tokenCache.byteSize };
  }

  #expiry(expiresAt: number | undefined, now: number): number | null {
    if (expiresAt === undefined) return null;
    if (!(expiresAt > now)) {
      throw new RapportError('workspace.expiry_past', `expiresAt must be in the future (now is ${new Date(now).toISOString()})`, [
        { field: 'expiresAt', rule: 'future', message: 'must be after now' },
      ]);
    }
    return expiresAt;
  }

  private async insertToken(workspaceId: string, name: string, scope: TokenScope, plain: string, limits: CredentialLimits = {}, ifAbsent = false): Promise<AdminToken> {
    const now = this.deps.clock.now();
    const scopes = limits.scopes === undefined ? [...ACCESS_SCOPES] : ACCESS_SCOPES.filter((known) => limits.scopes?.includes(known));
    if (scopes.length === 0)
      throw new RapportError('workspace.scopes_invalid', 'scopes must name at least one of read, write, admin', [{ field: 'scopes', rule: 'minItems', message: 'name read, write or admin' }]);
    const expiresAt = this.#expiry(limits.expiresAt, now);
    const token: AdminToken = { workspaceId, id: randomId('tok', 8), name, scope, createdAt: now, lastUsedAt: null, revokedAt: null, scopes, expiresAt };
    await this.#changeCredentials(workspaceId, (trx) => repo.insertAdminToken(trx, token, sha256Hex(plain), ifAbsent));
    return token;
  }
}
