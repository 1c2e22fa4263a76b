import { createDecipheriv, createECDH, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/*
 * Real peers on loopback for the channel providers: an SMTP server that parses what it
 * receives, a Twilio-compatible REST server, a push service that decrypts RFC 8291 payloads,
 * and a webhook receiver that checks Standard Webhooks signatures. Independent code from the
 * providers: none of them imports Rapport.
 */

export interface SmtpPeer {
  url: string;
  port: number;
  mails: ParsedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An SMTP server on 127.0.0.1 that accepts any mail (optionally with a login) and parses it. */
export async function startSmtpPeer(options: { user?: string; password?: string; rejectRecipient?: string; parse?: boolean; starttls?: boolean } = {}): Promise<SmtpPeer> {
  const mails: ParsedMail[] = [];
  let received = 0;
  const server = new SMTPServer({
    secure: false,
    // With `starttls`, smtp-server upgrades with its built-in self-signed test certificate.
    disabledCommands: [...(options.user === undefined ? ['AUTH'] : []), ...(options.starttls === true ? [] : ['STARTTLS'])],
    authOptional: options.user === undefined,
    allowInsecureAuth: true,
    logger: false,
    size: 10 * 1024 * 1024,
    // Pooled clients keep connections open; close them at once instead of after 30 s.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient !== undefined && address.address === options.rejectRecipient) {
        const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
        callback(error);
      } else callback();
    },
    onData(stream, session, callback) {
      if (options.parse === false) {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          received += 1;
          callback();
        });
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          // Record whether the session was upgraded to TLS, for the TLS test.
          mail.headers.set('x-peer-secure', String(session.secure));
          mails.push(mail);
          received += 1;
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp peer has no port');
  const port = address.port;
  const auth = options.user === undefined ? '' : `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? '')}@`;
  return {
    url: `smtp://${auth}127.0.0.1:${port}`,
    port,
    mails,
    get received() {
      return received;
    },
    async waitFor(count, timeoutMs = 15_000) {
      await waitUntil(() => received >= count, timeoutMs, `${count} mails`);
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } as SmtpPeer & { received: number };
}

export interface HttpRequestRecord {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpPeer {
  url: string;
  requests: HttpRequestRecord[];
  /** Overrides the status answered (e.g. 503 for an outage, 410 for a gone subscription). */
  status: number | undefined;
  waitFor(count: number, timeoutMs?: number): Promise<HttpRequestRecord[]>;
  close(): Promise<void>;
}

async function startHttpPeer(handle: (request: HttpRequestRecord) => { status: number; body: string; headers?: Record<string, string> }): Promise<HttpPeer> {
  const requests: HttpRequestRecord[] = [];
  const peer: HttpPeer = {
    url: '',
    requests,
    status: undefined,
    async waitFor(count, timeoutMs = 15_000) {
      await waitUntil(() => requests.length >= count, timeoutMs, `${count} requests`);
      return requests;
    },
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(record);
      const answer = handle(record);
      res.writeHead(peer.status ?? answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  peer.url = `http://127.0.0.1:${port}`;
  peer.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return peer;
}

/** A Twilio-compatible Messages API: checks Basic auth, answers like Twilio with a sid. */
export async function startTwilioPeer(accountSid: string, authToken: string): Promise<HttpPeer & { messages(): URLSearchParams[] }> {
  let counter = 0;
  const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const peer = await startHttpPeer((request) => {
    if (request.headers.authorization !== expected) return { status: 401, body: JSON.stringify({ code: 20003, message: 'Authenticate' }) };
    if (request.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) return { status: 404, body: '{}' };
    const form = new URLSearchParams(request.body.toString('utf8'));
    counter += 1;
    const sid = `SM${String(counter).padStart(32, '0')}`;
    return { status: 201, body: JSON.stringify({ sid, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') }) };
  });
  return Object.assign(peer, { messages: () => peer.requests.filter((request) => request.headers.authorization === expected).map((request) => new URLSearchParams(request.body.toString('utf8'))) });
}

/** A browser's push subscription keys plus a push service that decrypts what it receives. */
export async function startPushPeer(): Promise<
  HttpPeer & { subscription(path?: string): { endpoint: string; keys: { p256dh: string; auth: string } }; decrypted(): { path: string; authorization: string; payload: unknown }[] }
> {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const authSecret = randomBytes(16);
  const peer = await startHttpPeer(() => ({ status: 201, body: '', headers: { location: `/m/${randomBytes(6).toString('hex')}` } }));
  return Object.assign(peer, {
    subscription: (path = '/push/abc') => ({ endpoint: `${peer.url}${path}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') } }),
    decrypted: () =>
      peer.requests.map((request) => ({
        path: request.url,
        authorization: String(request.headers.authorization ?? ''),
        payload: JSON.parse(decryptAes128gcm(request.body, ecdh, authSecret)) as unknown,
      })),
  });
}

/** RFC 8291 + RFC 8188 decryption, as a browser does it. */
export function decryptAes128gcm(body: Buffer, receiver: ReturnType<typeof createECDH>, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = receiver.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end -= 1;
  if (plain[end] !== 2) throw new Error('bad padding delimiter: not the last record');
  return plain.subarray(0, end).toString('utf8');
}

/** A webhook receiver that checks the Standard Webhooks signature with its own HMAC code. */
export async function startWebhookPeer(secret: string): Promise<HttpPeer & { verified(): { id: string; valid: boolean; body: unknown }[] }> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const peer = await startHttpPeer(() => ({ status: 204, body: '' }));
  return Object.assign(peer, {
    verified: () =>
      peer.requests.map((request) => {
        const id = String(request.headers['webhook-id']);
        const timestamp = String(request.headers['webhook-timestamp']);
        const expected = createHmac('sha256', key)
          .update(`${id}.${timestamp}.${request.body.toString('utf8')}`)
          .digest();
        const valid = String(request.headers['webhook-signature'] ?? '')
          .split(' ')
          .some((part) => {
            const given = Buffer.from(part.replace(/^v1,/, ''), 'base64');
            return part.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
          });
        return { id, valid, body: JSON.parse(request.body.toString('utf8')) as unknown };
      }),
  });
}
