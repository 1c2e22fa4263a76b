import type { LoggerOptions } from 'pino';

const REDACTED = '[redacted]';

// Paths whose segments are credentials: the write key in analytics-next's settings URL, and
// signed link tokens (an unsubscribe token unsubscribes whoever holds it).
const SECRET_PATHS: Array<[RegExp, string]> = [
  [/^(\/v1\/projects\/)[^/?#]+/, `$1${REDACTED}`],
  [/^(\/v1\/(?:c|o|u|confirm)\/)[^?#]+/, `$1${REDACTED}`],
];
const SECRET_QUERY = /^(?:write_?key|token|key|secret|signature|password|api_?key|access_token|auth)$/i;

/**
 * A URL fit for a log line: credential path segments and credential query values replaced.
 * @example redactUrl('/v1/projects/wk_123/settings') // '/v1/projects/[redacted]/settings'
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  for (const [pattern, replacement] of SECRET_PATHS) path = path.replace(pattern, replacement);
  if (query === -1) return path;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape is logged as sent; only its value could be a secret.
      }
      return eq !== -1 && SECRET_QUERY.test(decoded) ? `${name}=${REDACTED}` : pair;
    });
  return `${path}?${params.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string | undefined;
  ip?: string | undefined;
  socket?: { remotePort?: number | undefined } | undefined;
}

/**
 * pino options for the server log: Fastify's request serializer with the URL redacted, and
 * credential headers and body fields censored wherever a log call passes them.
 * @example pino({ level: 'debug', ...serverLogOptions() })
 */
export function serverLogOptions(): Pick<LoggerOptions, 'redact' | 'serializers'> {
  return {
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'headers.cookie', 'writeKey', '*.writeKey', 'body.writeKey', 'token', '*.token'],
      censor: REDACTED,
    },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
