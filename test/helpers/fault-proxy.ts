import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** One request the proxy received, as the client sent it. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status the proxy answered the client with. */
  answered: number;
  /** The status the server answered the proxy with (undefined when not forwarded). */
  upstream: number | undefined;
}

export interface FaultProxyOptions {
  /** How many requests (in arrival order) get `status` instead of the server's answer. */
  failFirst: number;
  /** The status those requests get, e.g. 503. */
  status: number;
  /**
   * Forward the failed requests to the server first, so it stores the data and the client
   * still sees a failure and retries: the case that tests dedupe. False fails without forwarding.
   */
  afterForward: boolean;
}

export interface FaultProxy {
  port: number;
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * A tiny HTTP proxy on 127.0.0.1 in front of the server on `targetPort`. The first
 * `failFirst` requests are answered with `status` (after forwarding them when `afterForward`);
 * later ones get the server's own response. Every request is recorded.
 * @example const proxy = await faultProxy(port, { failFirst: 1, status: 503, afterForward: true });
 */
export async function faultProxy(targetPort: number, options: FaultProxyOptions): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  let failuresLeft = options.failFirst;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const fail = failuresLeft > 0;
      if (fail) failuresLeft -= 1;
      const record: ProxiedRequest = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body,
        answered: 0,
        upstream: undefined,
      };
      requests.push(record);

      const answerFailure = () => {
        record.answered = options.status;
        response.writeHead(options.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'fault_proxy', message: `injected ${options.status}` } }));
      };
      if (fail && !options.afterForward) {
        answerFailure();
        return;
      }
      forward(targetPort, record, body).then(
        (upstream) => {
          record.upstream = upstream.status;
          if (fail) {
            answerFailure();
            return;
          }
          record.answered = upstream.status;
          response.writeHead(upstream.status, upstream.headers);
          response.end(upstream.body);
        },
        (error: unknown) => {
          record.answered = 502;
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`fault proxy: upstream failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no TCP address');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(port: number, record: ProxiedRequest, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const upstream = http.request({ host: '127.0.0.1', port, method: record.method, path: record.url, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined && !hopByHop.has(name)) out[name] = value;
        }
        resolve({ status: response.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    });
    upstream.on('error', reject);
    upstream.end(body);
  });
}
