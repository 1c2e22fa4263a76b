import type { CatalogService } from '../catalog/index.js';
import type { Config } from '../config/config.js';
import type { IngestService } from '../ingest/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { createChannelModule, type ChannelModule } from './channel-module.js';
import type { RecommendationSlotProvider, TemplateService } from '../templates/index.js';
import { loadOrCreateLinkSecret, loadOrCreateVapidKeys } from './key-files.js';
import type { OutboundHttp } from './outbound/outbound-http.js';
import type { ChannelProvider } from './provider.js';
import { EmailOutbox } from './providers/email-outbox.js';
import { SmtpEmailProvider } from './providers/email-smtp.js';
import { InboxProvider } from './providers/inbox.js';
import { TwilioSmsProvider } from './providers/sms-twilio.js';
import { WebPushProvider, type VapidKeys } from './providers/web-push.js';
import { WebhookProvider } from './providers/webhook.js';
import type { ChannelName } from './sender.js';
import { staffMailer, type StaffMailer } from './staff-mail.js';
import type { CouponService } from '../coupons/index.js';

/** The channels module as the running server holds it. */
export interface Messaging extends ChannelModule {
  /** Public VAPID key the SDK subscribes with. */
  vapidPublicKey(): string;
  /** Reads the link key and the VAPID key pair shared by every process on the store (creating them once); the module's start calls it. */
  loadKeys(): Promise<void>;
  /** Secrets the public webhooks verify (never returned by the API). */
  secrets: { twilioAuthToken: string | undefined; emailEventsSecret: string | undefined };
  publicUrl: string;
  /** The built-in email outbox, and whether email goes there or to the configured SMTP server. */
  outbox: EmailOutbox;
  emailDelivery: 'smtp' | 'outbox';
  /** Email to the shop's staff (report digests) through the same SMTP server. */
  staffMail: StaffMailer;
  /** Profile reads for the routes (coupons issued and consent recorded by profile id). */
  profiles: Pick<ProfileService, 'getProfile'>;
  stop(): Promise<void>;
}

export interface MessagingDeps {
  config: Config;
  database: Database;
  clock: Clock;
  ingest: IngestService;
  profiles: Pick<ProfileService, 'getProfile' | 'lookupProfile'>;
  catalog: Pick<CatalogService, 'getProduct'>;
  /** Fills the templates' recommendation slots (the recommendations module's slot provider). */
  recommendations?: RecommendationSlotProvider;
  logger?: { warn(object: object, message: string): void; error(object: object, message: string): void };
  /** The one guarded outbound HTTP path (built from the operator's allow list). */
  outbound: OutboundHttp;
  /** Seals secrets at rest under the operator's key. */
  secrets: SecretBox;
  /** The templates and coupons modules' services. */
  templates: TemplateService;
  coupons: CouponService;
}

function notLoaded(): never {
  throw new Error('the link and VAPID keys are read at the channels module start (Messaging.loadKeys), which has not run');
}

/**
 * Builds the channels module from configuration: a provider per configured channel (SMTP when
 * `RAPPORT_SMTP_URL` is set, else the built-in outbox; SMS when the Twilio settings are, web push, webhooks and the
 * inbox always) and the send pipeline over the templates and coupons modules' services.
 * @example const messaging = createMessaging({ config, database, clock, ingest, profiles, catalog, outbound, secrets, templates, coupons });
 */
export function createMessaging(deps: MessagingDeps): Messaging {
  const { config, database, clock } = deps;
  // Keys shared by every process on the store, read (or created once) by `loadKeys` at start.
  let vapidKeys: VapidKeys | undefined;
  let linkKey: Buffer | undefined;
  const vapid = (): VapidKeys => vapidKeys ?? notLoaded();
  const linkSecret = (): Buffer => linkKey ?? notLoaded();
  const providers: Partial<Record<ChannelName, ChannelProvider>> = {
    push: new WebPushProvider({ vapid, subject: config.vapidSubject, outbound: deps.outbound }),
    webhook: new WebhookProvider({ clock, outbound: deps.outbound }),
    inbox: new InboxProvider({ database, clock }),
  };
  // Without SMTP, email is kept in the built-in outbox (readable at GET /api/v1/outbox).
  const outbox = new EmailOutbox({ database, clock, from: config.smtpFrom, keep: config.outboxKeep, days: config.outboxDays });
  const smtp = config.smtpUrl === undefined ? undefined : new SmtpEmailProvider({ url: config.smtpUrl, from: config.smtpFrom });
  providers.email = smtp ?? outbox;
  const retry = { attempts: config.sendAttempts, baseDelayMs: config.sendBackoffMs };
  if (config.twilio !== undefined) providers.sms = new TwilioSmsProvider({ ...config.twilio, statusCallback: `${config.publicUrl}/v1/channels/sms/status`, outbound: deps.outbound });
  const module = createChannelModule({
    database,
    clock,
    ingest: deps.ingest,
    profiles: deps.profiles,
    catalog: deps.catalog,
    providers,
    settings: { publicBaseUrl: config.publicUrl, emailDoubleOptIn: config.emailDoubleOptIn, retry },
    linkSecret,
    secrets: deps.secrets,
    templates: deps.templates,
    coupons: deps.coupons,
    guard: deps.outbound.guard,
    ...(deps.recommendations === undefined ? {} : { recommendations: deps.recommendations }),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  return {
    ...module,
    vapidPublicKey: () => vapid().publicKey,
    async loadKeys() {
      const now = clock.now();
      [linkKey, vapidKeys] = await Promise.all([loadOrCreateLinkSecret(config, database, now), loadOrCreateVapidKeys(config, database, now)]);
    },
    secrets: { twilioAuthToken: config.twilio?.authToken, emailEventsSecret: config.emailEventsSecret },
    publicUrl: config.publicUrl,
    outbox,
    emailDelivery: config.smtpUrl === undefined ? 'outbox' : 'smtp',
    staffMail: staffMailer({ smtp, retry }),
    profiles: deps.profiles,
    async stop() {
      await module.channels.close();
    },
  };
}
