import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import { SecretKeyError, type SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import {
  allWebhookDestinations,
  deleteWebhookDestination,
  insertWebhookDestination,
  listWebhookDestinations,
  updateWebhookDestinationSecrets,
  type WebhookDestinationRecord,
} from './store/channel-endpoints.js';
import { OutboundGuard } from './outbound/guard.js';
import { hasCredentials, maskCredentials, shownUrl } from './outbound/url.js';
import { generateWebhookSecret } from './standard-webhooks.js';

/** A destination as the API shows it: credentials in the URL masked, no secret. */
export interface WebhookDestinationView {
  id: string;
  url: string;
  createdAt: string;
}

/** A destination ready to deliver to: URL and secret in the clear, in memory only. */
export interface OpenWebhookDestination {
  id: string;
  url: string;
  secret: string;
}

/** Secrets of one workspace are sealed under its own context, so a row copied elsewhere does not open. */
const contextOf = (workspaceId: string): string => `webhook_destinations\u0000${workspaceId}`;

/**
 * The channel's webhook destinations. Signing secrets are sealed at rest (AES-256-GCM under the
 * operator's key), and so are URLs that carry credentials; the secret is shown once, when the
 * destination is added, and URLs are shown with their credentials masked.
 * @example const destinations = new WebhookDestinations({ database, clock, secrets: SecretBox.ephemeral() });
 */
export class WebhookDestinations {
  readonly #guard: OutboundGuard;

  constructor(private readonly deps: { database: Database; clock: Clock; secrets: SecretBox; guard?: OutboundGuard | undefined }) {
    // The operator's allow list comes with the app's guard; alone, every private target is refused.
    this.#guard = deps.guard ?? new OutboundGuard();
  }

  /** Opens a row for delivery; a value sealed under a key the server lacks is an outage the operator fixes (503), not a bug. */
  #open(workspaceId: string, record: WebhookDestinationRecord): OpenWebhookDestination {
    const context = contextOf(workspaceId);
    try {
      return { id: record.id, url: this.deps.secrets.open(record.url, context), secret: this.deps.secrets.open(record.secret, context) };
    } catch (error) {
      if (error instanceof SecretKeyError) throw new RapportError('unavailable', `webhook destination ${record.id}: ${error.message}`);
      throw error;
    }
  }

  async list(workspaceId: string): Promise<WebhookDestinationView[]> {
    const rows = await listWebhookDestinations(this.deps.database.db, workspaceId);
    return rows.map((row) => ({ id: row.id, url: shownUrl(row.url, (value) => this.deps.secrets.open(value, contextOf(workspaceId))), createdAt: new Date(row.createdAt).toISOString() }));
  }

  /** Adds a destination; its signing secret is returned here only, for the receiver to verify with. */
  async add(workspaceId: string, url: string): Promise<WebhookDestinationView & { secret: string }> {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    } catch {
      throw new RapportError('channels.webhook_url_invalid', `url must be an http(s) URL, got "${maskCredentials(url)}"`, [{ field: 'url', rule: 'format', message: 'an http(s) URL' }]);
    }
    this.#guard.assertStorable(url, 'url');
    const context = contextOf(workspaceId);
    const secret = generateWebhookSecret();
    const createdAt = this.deps.clock.now();
    const record = { id: randomId('whk', 10), url: hasCredentials(url) ? this.deps.secrets.seal(url, context) : url, secret: this.deps.secrets.seal(secret, context), createdAt };
    await this.deps.database.transaction((trx) => insertWebhookDestination(trx, workspaceId, record));
    return { id: record.id, url: maskCredentials(url), createdAt: new Date(createdAt).toISOString(), secret };
  }

  async remove(workspaceId: string, id: string): Promise<boolean> {
    return this.deps.database.transaction((trx) => deleteWebhookDestination(trx, workspaceId, id));
  }

  /** The destination with this id (or the first one when no id is given), opened for delivery. */
  async resolve(workspaceId: string, id: string | undefined): Promise<OpenWebhookDestination | undefined> {
    const rows = await listWebhookDestinations(this.deps.database.db, workspaceId);
    const row = id === undefined ? rows[0] : rows.find((entry) => entry.id === id);
    return row === undefined ? undefined : this.#open(workspaceId, row);
  }

  /** The destination with this URL (test sends name the URL), opened for delivery. */
  async byUrl(workspaceId: string, url: string): Promise<OpenWebhookDestination | undefined> {
    const rows = await listWebhookDestinations(this.deps.database.db, workspaceId);
    return rows.map((row) => this.#open(workspaceId, row)).find((entry) => entry.url === url);
  }

  /**
   * Seals every plaintext row and re-seals rows sealed under an old key (after a rotation);
   * returns how many rows changed and the ids that would not open (their key is missing).
   */
  async reseal(): Promise<{ resealed: number; unreadable: string[] }> {
    const { secrets, database } = this.deps;
    let resealed = 0;
    const unreadable: string[] = [];
    for (const row of await allWebhookDestinations(database.db)) {
      const context = contextOf(row.workspaceId);
      try {
        const open = this.#open(row.workspaceId, row);
        const url = hasCredentials(open.url) ? (secrets.isCurrent(row.url) ? row.url : secrets.seal(open.url, context)) : open.url;
        const secret = secrets.reseal(row.secret, context) ?? row.secret;
        if (url === row.url && secret === row.secret) continue;
        await database.transaction((trx) => updateWebhookDestinationSecrets(trx, row.workspaceId, row.id, { url, secret }));
        resealed += 1;
      } catch {
        unreadable.push(`${row.workspaceId}/${row.id}`);
      }
    }
    return { resealed, unreadable };
  }
}
