/*
 * How CLI commands reach Rapport. When a server answers on HOST:PORT, through its admin API (the
 * server alone writes, processes and keeps the analytics replica); otherwise the platform is
 * opened in this process without any background work and the same API is served by `inject`.
 * Either way a temporary admin token, taken from the shared store and revoked at the end, signs
 * the requests (as `rapport demo` does).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { expectStatus, httpDemoApi, injectDemoApi, type DemoApi, type DemoMethod } from '../demo/demo-api.js';
import type { Rapport } from '../rapport.js';
import { RapportError } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { openDatabase } from '../storage/database.js';
import { DEFAULT_WORKSPACE, WorkspaceService } from '../workspaces/index.js';

/** Where the configured server listens (a wildcard bind is reached on loopback). */
export function serverUrl(config: Pick<Config, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

/** Whether a Rapport server answers /healthz at `url`. */
export async function serverAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A temporary admin token of `workspaceId` from the shared store; revoke it by `tokenId` when done. */
export async function temporaryAdminToken(workspaces: WorkspaceService, workspaceId: string, purpose: string): Promise<{ adminToken: string; tokenId: string }> {
  if ((await workspaces.getWorkspace(workspaceId)) === undefined) throw new RapportError('not_found', `no workspace "${workspaceId}"; leave out --workspace to use "${DEFAULT_WORKSPACE}"`);
  const token = await workspaces.createAdminToken(workspaceId, `${purpose} (revoked when it ends)`);
  return { adminToken: token.plain, tokenId: token.token.id };
}

/** Where the store is, in words: the data directory or PostgreSQL. */
export function storeName(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  return config.databaseUrl === undefined ? config.dataDir : 'the PostgreSQL store of RAPPORT_DATABASE_URL';
}

/**
 * With no RAPPORT_DATA_DIR and no RAPPORT_DATABASE_URL, a ./data that does not exist means the
 * user is probably in the wrong directory: the message to stop with, or undefined to go on.
 */
export function missingStoreMessage(config: Pick<Config, 'dataDir' | 'databaseUrl'>, locationChosen: boolean, command: string): string | undefined {
  if (config.databaseUrl !== undefined || locationChosen || fs.existsSync(path.join(config.dataDir, 'rapport.db'))) return undefined;
  return (
    `rapport ${command}: no Rapport store in ${config.dataDir} (RAPPORT_DATA_DIR is not set, so ./data of the current directory is used).\n` +
    'Point at your store with --data-dir DIR (or RAPPORT_DATA_DIR=DIR, or RAPPORT_DATABASE_URL=postgres://... for PostgreSQL),\n' +
    `run the command from the directory that holds data/, or create a new store here with "rapport start" or "rapport demo".\n`
  );
}

export interface CliPlatform {
  /** The admin API, signed with the temporary token. */
  api: DemoApi;
  /** `server`: a running server answers; `in-process`: this process opened the store. */
  via: 'server' | 'in-process';
  url: string;
  /** The platform of this process (in-process only): for work the server would do in the background. */
  rapport: Rapport | undefined;
  /** Calls the API and answers the body of a 2xx answer, or throws the server's message. */
  call(method: DemoMethod, apiPath: string, what: string, options?: { body?: unknown; csv?: string }): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Connects a CLI command to Rapport (see the top of this file).
 * @example const platform = await connectPlatform(loadConfig(), 'default', 'rapport segments'); await platform.call('GET', '/api/v1/segments', 'listing segments');
 */
export async function connectPlatform(config: Config, workspaceId: string, purpose: string): Promise<CliPlatform> {
  const url = serverUrl(config);
  const make = (api: DemoApi, via: CliPlatform['via'], rapport: Rapport | undefined, close: () => Promise<void>): CliPlatform => ({
    api,
    via,
    url,
    rapport,
    async call(method, apiPath, what, options = {}) {
      const response = await api.request(method, apiPath, options);
      if (response.status === 401 && via === 'server') {
        throw new RapportError(
          'unauthorized',
          `the server at ${url} does not know the tokens of this store (${storeName(config)}): run the CLI with the same RAPPORT_DATA_DIR / RAPPORT_DATABASE_URL as the server`,
        );
      }
      return expectStatus(response, [200, 201, 202, 204], what);
    },
    close,
  });
  if (await serverAnswers(url)) {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
    try {
      const workspaces = new WorkspaceService({ database, clock: systemClock });
      const { adminToken, tokenId } = await temporaryAdminToken(workspaces, workspaceId, purpose);
      return make(httpDemoApi(url, { writeKey: '', adminToken }), 'server', undefined, async () => {
        try {
          await workspaces.revokeAdminToken(workspaceId, tokenId);
        } finally {
          await database.close();
        }
      });
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  // Loaded only here: talking to a server needs none of the platform's modules.
  const { createRapport } = await import('../rapport.js');
  const rapport = await createRapport(config, { processor: 'off', logger: false, background: false });
  try {
    const { adminToken, tokenId } = await temporaryAdminToken(rapport.workspaces, workspaceId, purpose);
    return make(injectDemoApi(rapport.app, { writeKey: '', adminToken }), 'in-process', rapport, async () => {
      try {
        await rapport.workspaces.revokeAdminToken(workspaceId, tokenId);
      } finally {
        await rapport.close();
      }
    });
  } catch (error) {
    await rapport.close();
    throw error;
  }
}
