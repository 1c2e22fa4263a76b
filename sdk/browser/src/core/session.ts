import { readJson, writeJson } from './storage.js';
import { isObject, now, uuid } from './util.js';

/*
 * A session is 30 minutes without a page view, shared by every tab of the site (localStorage), so
 * "once per session" caps and "pages this session" mean the same in two tabs. The landing
 * referrer and UTM values of the session decide its traffic source.
 */
export interface Utm {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

export interface Session {
  id: string;
  start: number;
  last: number;
  pages: number;
  referrer: string;
  utm: Utm | null;
  /** Whether an earlier session of this browser exists. */
  returning: boolean;
}

const KEY = 'rapport:s';
const VISITS = 'rapport:visits';
const IDLE_MS = 30 * 60 * 1000;
const UTM_FIELDS: Array<[string, keyof Utm]> = [
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'name'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
];

/** UTM values of a URL query, as analytics.js puts them in context.campaign. */
export function utmOf(search: string): Utm | null {
  const params = new URLSearchParams(search);
  const utm: Utm = {};
  let any = false;
  for (const [param, field] of UTM_FIELDS) {
    const value = params.get(param);
    if (value !== null && value !== '') {
      utm[field] = value.slice(0, 200);
      any = true;
    }
  }
  return any ? utm : null;
}

function stored(): Session | undefined {
  const value = readJson('local', KEY);
  return isObject(value) && typeof value.id === 'string' && typeof value.last === 'number' ? (value as unknown as Session) : undefined;
}

/** Session start times of this browser (bounded), newest last. */
export function visits(): number[] {
  const value = readJson('local', VISITS);
  return Array.isArray(value) ? value.filter((entry): entry is number => typeof entry === 'number') : [];
}

/** The current session, started anew after 30 idle minutes or when a new UTM campaign lands; `page` counts a page view. */
export function touchSession(page: boolean): Session {
  const time = now();
  const utm = utmOf(location.search);
  let session = stored();
  if (session === undefined || time - session.last > IDLE_MS || (page && utm !== null && JSON.stringify(utm) !== JSON.stringify(session.utm))) {
    const earlier = visits();
    session = { id: uuid(), start: time, last: time, pages: 0, referrer: document.referrer, utm, returning: earlier.length > 0 || session !== undefined };
    writeJson('local', VISITS, [...earlier, time].slice(-100));
  }
  session.last = time;
  if (page) session.pages++;
  writeJson('local', KEY, session);
  return session;
}
