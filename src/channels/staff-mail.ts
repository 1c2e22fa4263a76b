import { RapportError } from '../shared/errors.js';
import { withAttempts, type SendRetry } from './attempts.js';
import type { EmailAttachment, SmtpEmailProvider } from './providers/email-smtp.js';

/** An email to the shop's staff (a report digest): addressed by email, not to a profile, so no consent, log or tracking applies. */
export interface StaffEmail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
  headers: Record<string, string>;
}

/** The channels module's door for staff email: the configured SMTP server, with the sends' retries. */
export interface StaffMailer {
  /** false without an SMTP server (customer email then goes to the built-in outbox; staff email is not kept there). */
  readonly available: boolean;
  /** Throws `unavailable`, naming the setting, when there is no SMTP server. */
  requireAvailable(): void;
  /** Throws `unavailable` without SMTP, and `report.delivery_failed` (503, the provider's error) once the attempts are spent. */
  send(mail: StaffEmail): Promise<void>;
}

/**
 * Builds the staff mailer on the channels module's SMTP provider.
 * @example const mailer = staffMailer({ smtp, retry: { attempts: 4, baseDelayMs: 500 } }); await mailer.send(digestMail);
 */
export function staffMailer(options: { smtp: SmtpEmailProvider | undefined; retry: SendRetry; sleep?: (ms: number) => Promise<void> }): StaffMailer {
  const { smtp, retry } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const unavailable = (): RapportError => new RapportError('unavailable', 'no SMTP server configured: set RAPPORT_SMTP_URL (smtp://host:port) to send reports');
  return {
    available: smtp !== undefined,
    requireAvailable() {
      if (smtp === undefined) throw unavailable();
    },
    async send(mail) {
      if (smtp === undefined) throw unavailable();
      const { outcome } = await withAttempts(retry, sleep, () => smtp.deliver(mail));
      // The SMTP server's refusal reaches whoever asked for the report now: a 503 saying why, not a 500.
      if (!outcome.ok) throw new RapportError('report.delivery_failed', `provider_error: ${outcome.error}`);
    },
  };
}
