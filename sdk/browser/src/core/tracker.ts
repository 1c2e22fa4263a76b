import { touchSession, utmOf } from './session.js';
import { cookie, read, write } from './storage.js';
import { Transport, type Message } from './transport.js';
import { isObject, safe, uuid } from './util.js';
import type { Properties } from './types.js';

declare const __RAPPORT_VERSION__: string;

/*
 * The analytics.js API and wire format (Segment spec): the same messages analytics.js would send,
 * so Rapport's ingest treats them alike and a page that also runs analytics.js keeps one visitor.
 */
export type Options = { context?: Properties; integrations?: Properties; timestamp?: string | Date; anonymousId?: string; userHash?: string };
type Callback = () => void;
export interface Parsed {
  strings: string[];
  objects: Properties[];
  callback: Callback | undefined;
}

const ANON = 'rapport:anon';
const USER = 'rapport:uid';
const HASH = 'rapport:uhash';

/** analytics.js's overloaded arguments: leading strings, then property and option objects, then a callback. */
export function parseArgs(args: unknown[], maxStrings: number): Parsed {
  const parsed: Parsed = { strings: [], objects: [], callback: undefined };
  for (const arg of args) {
    if ((typeof arg === 'string' || typeof arg === 'number') && parsed.objects.length === 0 && parsed.strings.length < maxStrings) parsed.strings.push(String(arg));
    else if (isObject(arg)) parsed.objects.push(arg);
    else if (typeof arg === 'function') parsed.callback = arg as Callback;
    // analytics.js callers pass null for "no properties" and still give options after it.
    else if (arg == null && parsed.strings.length + parsed.objects.length > 0) parsed.objects.push({});
  }
  return parsed;
}

/** analytics.js stores ids JSON-encoded (`"\"id\""`) in localStorage and sometimes quoted in the cookie. */
function unquote(value: string | null): string | null {
  if (value === null || value === '') return null;
  const stripped = value.replace(/^"+|"+$/g, '');
  return stripped === '' || stripped === 'null' ? null : stripped;
}

export class Tracker {
  anonymousId: string;
  userId: string | null;
  userHash: string | null;
  readonly transport: Transport;
  /** Called for every track and identify (custom-event triggers, visitor refresh). */
  readonly listeners: Array<(message: Message) => void> = [];
  private previousUrl = document.referrer;

  constructor(host: string, writeKey: string) {
    this.transport = new Transport(`${host}/v1/batch`, writeKey);
    this.anonymousId = unquote(cookie('ajs_anonymous_id')) ?? unquote(read('local', 'ajs_anonymous_id')) ?? read('local', ANON) ?? uuid();
    write('local', ANON, this.anonymousId);
    this.userId = unquote(read('local', USER));
    this.userHash = read('local', HASH);
  }

  private pageProperties(): Properties {
    return { path: location.pathname, referrer: this.previousUrl, search: location.search, title: document.title, url: location.href };
  }

  private context(extra: Properties | undefined): Properties {
    const utm = utmOf(location.search) ?? touchSession(false).utm;
    return {
      library: { name: 'rapport-browser', version: __RAPPORT_VERSION__ },
      page: this.pageProperties(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
      timezone: safe(() => Intl.DateTimeFormat().resolvedOptions().timeZone)(),
      screen: { width: screen.width, height: screen.height },
      ...(utm === null ? {} : { campaign: utm }),
      ...extra,
    };
  }

  /** Builds, queues and announces one message; callbacks run after queuing, like analytics.js's. */
  send(messageType: string, fields: Properties, options: Options | undefined, callback?: Callback): Message {
    const timestamp = options?.timestamp;
    const message: Message = {
      type: messageType,
      messageId: `rapport-${uuid()}`,
      timestamp: timestamp instanceof Date ? timestamp.toISOString() : (timestamp ?? new Date().toISOString()),
      anonymousId: options?.anonymousId ?? this.anonymousId,
      ...(this.userId === null ? {} : { userId: this.userId }),
      context: this.context(options?.context),
      ...(options?.integrations === undefined ? {} : { integrations: options.integrations }),
      ...fields,
    };
    this.transport.push(message);
    for (const listener of this.listeners) safe(listener)(message);
    if (callback !== undefined) setTimeout(safe(callback), 0);
    return message;
  }

  track(args: unknown[]): void {
    const { strings, objects, callback } = parseArgs(args, 1);
    const event = strings[0];
    if (event === undefined || event === '') return;
    this.send('track', { event, properties: objects[0] ?? {} }, objects[1], callback);
  }

  identify(args: unknown[]): void {
    const { strings, objects, callback } = parseArgs(args, 1);
    const options: Options | undefined = objects[1];
    if (strings[0] !== undefined && strings[0] !== this.userId) {
      this.userId = strings[0];
      this.userHash = null; // a signature belongs to one user id
      write('local', USER, this.userId);
    }
    if (typeof options?.userHash === 'string') this.userHash = options.userHash;
    write('local', HASH, this.userHash);
    const rest: Options | undefined = options === undefined ? undefined : { ...options };
    if (rest !== undefined) delete rest.userHash; // the signature proves identity to /v1/onsite; it is not event data
    this.send('identify', { traits: objects[0] ?? {} }, rest, callback);
  }

  /** page([category], [name], [properties], [options], [callback]); every SPA navigation calls it too. */
  page(args: unknown[]): void {
    const { strings, objects, callback } = parseArgs(args, 2);
    const [category, name] = strings.length === 2 ? strings : [undefined, strings[0]];
    touchSession(true);
    const properties = { ...this.pageProperties(), ...(name === undefined ? {} : { name }), ...(category === undefined ? {} : { category }), ...objects[0] };
    this.send('page', { properties, ...(name === undefined ? {} : { name }), ...(category === undefined ? {} : { category }) }, objects[1], callback);
    this.previousUrl = location.href;
  }

  group(args: unknown[]): void {
    const { strings, objects, callback } = parseArgs(args, 1);
    if (strings[0] === undefined) return;
    this.send('group', { groupId: strings[0], traits: objects[0] ?? {} }, objects[1], callback);
  }

  alias(args: unknown[]): void {
    const { strings, objects, callback } = parseArgs(args, 2);
    const to = strings[0];
    if (to === undefined) return;
    const from = strings[1] ?? this.userId ?? this.anonymousId;
    this.send('alias', { userId: to, previousId: from }, objects[0], callback);
  }

  /** Forgets the user (logout): a new anonymous id, no user id, no signature. */
  reset(): void {
    this.userId = null;
    this.userHash = null;
    this.anonymousId = uuid();
    write('local', USER, null);
    write('local', HASH, null);
    write('local', ANON, this.anonymousId);
  }
}
