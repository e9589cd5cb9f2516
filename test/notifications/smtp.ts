import { SMTPServer } from 'smtp-server';

export interface Received {
  to: string[];
  raw: string;
  subject: string;
  /** The X-Agora-Delivery header: which delivery the message carries. */
  delivery: string;
  messageId: string;
}

/**
 * A real SMTP server on a free local port. `answer` may refuse a message with an SMTP code (e.g. 451 for a
 * temporary failure, 550 for a permanent one); accepted messages are kept in `messages`.
 */
export async function smtpServer(answer?: (m: Received, n: number) => number | undefined) {
  const messages: Received[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) =>
          new RegExp(`^${name}: ?(.*)$`, 'mi').exec(raw.split(/\r?\n\r?\n/)[0] ?? '')?.[1]?.trim() ?? '';
        const m: Received = {
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: header('Subject'),
          delivery: header('X-Agora-Delivery'),
          messageId: header('Message-ID'),
        };
        const code = answer?.(m, ++attempts);
        if (code) {
          const err = Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), {
            responseCode: code,
          });
          return callback(err);
        }
        messages.push(m);
        callback();
      });
    },
  });
  // A client killed mid-session (a SIGKILLed worker) resets its connection: not the server's failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
