import { readJson, writeJson } from '../storage.js';
import { isObject } from '../util.js';
import { call, type Endpoint } from './net.js';
import type { OnsiteConfig, VisitorFacts } from '../types.js';

/*
 * The compiled campaign configuration and the visitor's server-side facts. The configuration is
 * used from localStorage at once and revalidated in the background: the plain GET lets the
 * browser's HTTP cache do the ETag / 304 dance (Cache-Control: max-age=60,
 * stale-while-revalidate) without a CORS preflight that an If-None-Match header would cost.
 */
const CONFIG = 'rapport:cfg';
const VISITOR = 'rapport:visitor';

function validConfig(value: unknown): value is OnsiteConfig {
  return isObject(value) && typeof value.version === 'string' && Array.isArray(value.campaigns) && isObject(value.brand) && isObject(value.global);
}

export function cachedConfig(): OnsiteConfig | undefined {
  const value = readJson('local', CONFIG);
  return validConfig(value) ? value : undefined;
}

/** The current configuration from the server (a preview asks for its campaign even when not live); undefined when unreachable. */
export async function fetchConfig(endpoint: Endpoint, preview: string | undefined): Promise<OnsiteConfig | undefined> {
  const reply = await call(endpoint, '/v1/onsite/config', undefined, { preview });
  if (!reply.ok || !validConfig(reply.body)) return undefined;
  if (preview === undefined) writeJson('local', CONFIG, reply.body);
  return reply.body;
}

export interface Identity {
  anonymousId: string;
  userId: string | null;
  userHash: string | null;
}

const identityKey = (identity: Identity) => `${identity.anonymousId}|${identity.userId ?? ''}|${identity.userHash ?? ''}`;

/** The visitor's facts, once per session and identity (sessionStorage), else from POST /v1/onsite/visitor. */
export async function visitorFacts(endpoint: Endpoint, identity: Identity): Promise<VisitorFacts | null> {
  const cached = readJson('session', VISITOR);
  if (isObject(cached) && cached.key === identityKey(identity) && isObject(cached.facts)) return cached.facts as unknown as VisitorFacts;
  const body = { anonymousId: identity.anonymousId, ...(identity.userId === null ? {} : { userId: identity.userId }), ...(identity.userHash === null ? {} : { userHash: identity.userHash }) };
  const reply = await call(endpoint, '/v1/onsite/visitor', body);
  if (!reply.ok || !Array.isArray(reply.body.segments)) return null;
  writeJson('session', VISITOR, { key: identityKey(identity), facts: reply.body });
  return reply.body as unknown as VisitorFacts;
}

export function forgetFacts(): void {
  writeJson('session', VISITOR, null);
}
