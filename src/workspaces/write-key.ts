/**
 * The write key a shop-facing request carries: Basic auth (with or without the colon, as
 * Segment's libraries send it) or the body's `writeKey`. Every module's public routes read it
 * here, then ask `WorkspaceService.authenticateWriteKey`.
 * @example writeKeyOf('Basic ' + btoa('wk_123:'), {}) // 'wk_123'
 */
export function writeKeyOf(authorization: string | undefined, body: Record<string, unknown>): string | undefined {
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    if (key !== '') return key;
  }
  return typeof body.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : undefined;
}
