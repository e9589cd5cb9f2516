import type { Transporter } from 'nodemailer';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { notificationsRepository as repo } from './notifications.repository.js';

export interface MailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  deliveryId?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'captured';
  send(m: MailMessage): Promise<void>;
  close(): void;
}

/** A refusal the server will repeat (SMTP 5xx): retrying cannot help, the delivery is dead at once. */
export class PermanentMailError extends Error {}

/**
 * SMTP through a pooled nodemailer transport (connections reused across deliveries, at most `maxConnections`).
 * 4xx answers and network errors are thrown as they are (the job retries with backoff); 5xx answers become
 * PermanentMailError.
 */
export function smtpMailer(url: string, from: string, maxConnections: number): Mailer {
  // nodemailer takes about a second to load: a process that never sends mail does not pay for it.
  let pool: Promise<Transporter> | undefined;
  const transport = () =>
    (pool ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url, pool: true, maxConnections } as never),
    ));
  return {
    kind: 'smtp',
    async send(m) {
      try {
        await (
          await transport()
        ).sendMail({
          from,
          to: m.to,
          subject: m.subject,
          html: m.html,
          text: m.text,
          headers: m.deliveryId ? { 'X-Agora-Delivery': m.deliveryId } : undefined,
          // One Message-ID per delivery: a copy resent after a worker died between the server's acceptance and
          // the row's update is the same message to mail stores, which keep one message per Message-ID.
          ...(m.deliveryId ? { messageId: `<${m.deliveryId}@notifications.agora>` } : {}),
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) throw new PermanentMailError((err as Error).message);
        throw err;
      }
    },
    close: () => void pool?.then((t) => t.close()),
  };
}

/** Embedded mode: mail is kept in notifications.captured_mail (readable through the API) instead of sent. */
export function capturedMailer(db: Db, clock: Clock): Mailer {
  return {
    kind: 'captured',
    async send(m) {
      await repo.insertMail(db, {
        id: clock.uuid(),
        deliveryId: m.deliveryId ?? null,
        to: m.to,
        subject: m.subject,
        html: m.html,
        text: m.text,
        createdAt: clock.now(),
      });
    },
    close: () => undefined,
  };
}
