import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { describeError, type ChannelProvider, type DeliveryOutcome, type OutboundMessage } from '../provider.js';

export interface SmtpOptions {
  /** `smtp://user:pass@host:587` or `smtps://...:465`; `?pool=false` turns pooling off. */
  url: string;
  /** The From header, e.g. `Shop <news@shop.com>`. */
  from: string;
  /** Pooled connections (default 5). */
  maxConnections?: number;
  /** Accept self-signed certificates (loopback tests, internal relays). */
  allowSelfSigned?: boolean;
  /** Upgrade with STARTTLS when the server offers it (default true); `requireTls` refuses plain. */
  requireTls?: boolean;
}

/** A file sent with an email; `cid` makes it an inline image the HTML names as `cid:<cid>`. */
export interface EmailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
  cid?: string;
}

/** One email as SMTP carries it. */
export interface EmailEnvelope {
  /** Default: the provider's configured From. */
  from?: string;
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: EmailAttachment[];
}

/** SMTP codes that mean "this address will never accept mail": no retry. */
function permanent(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'responseCode' in error ? Number(Reflect.get(error, 'responseCode')) : Number.NaN;
  return code >= 500 && code < 600;
}

/**
 * Email over SMTP with nodemailer: pooled connections, STARTTLS/TLS, multipart HTML + text,
 * any provider that speaks SMTP.
 * @example const email = new SmtpEmailProvider({ url: 'smtp://127.0.0.1:2525', from: 'Shop <news@shop.com>' });
 */
export class SmtpEmailProvider implements ChannelProvider {
  readonly channel = 'email' as const;
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly options: SmtpOptions) {
    const url = new URL(options.url);
    const secure = url.protocol === 'smtps:';
    const pool = url.searchParams.get('pool') !== 'false';
    const config: SMTPPool.Options = {
      pool: true,
      host: url.hostname,
      port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
      secure,
      maxConnections: pool ? (options.maxConnections ?? 5) : 1,
      maxMessages: Number.POSITIVE_INFINITY,
      requireTLS: options.requireTls ?? false,
      tls: { rejectUnauthorized: options.allowSelfSigned !== true },
      ...(url.username === '' ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      logger: false,
    };
    this.transport = nodemailer.createTransport(config);
  }

  send(message: OutboundMessage): Promise<DeliveryOutcome> {
    return this.deliver({
      from: message.from ?? this.options.from,
      to: message.to,
      subject: message.subject ?? '',
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      headers: { ...message.headers, 'X-Rapport-Message-Id': message.messageId },
    });
  }

  /** Sends any email over the pooled transport (staff email such as report digests goes this way too). */
  async deliver(envelope: EmailEnvelope): Promise<DeliveryOutcome> {
    try {
      const info = await this.transport.sendMail({ ...envelope, from: envelope.from ?? this.options.from });
      return { ok: true, providerId: typeof info.messageId === 'string' ? info.messageId : null };
    } catch (error) {
      return { ok: false, retryable: !permanent(error), error: describeError(error) };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
