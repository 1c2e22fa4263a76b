import { hasCredentials, maskCredentials } from '../channels/index.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { JourneyDefinition, JourneyNode } from './definition.js';

/*
 * Webhook nodes carry secrets: header values (an Authorization token, an API key) and URLs with
 * credentials. Like webhook and segment destinations (docs/outbound.md), they are sealed at rest
 * under the operator's key, opened only to send, and read back masked.
 */

/** What a sealed header value reads as through the API; sent back unchanged, it keeps the stored value. */
export const MASKED_HEADER = '********';

type WebhookNode = Extract<JourneyNode, { type: 'webhook' }>;

/** Sealed values of one workspace open only in that workspace. */
const contextOf = (workspaceId: string): string => `journey_webhooks\u0000${workspaceId}`;

function webhookNodesById(definition: JourneyDefinition | undefined): Map<string, WebhookNode> {
  const nodes = new Map<string, WebhookNode>();
  for (const node of definition?.nodes ?? []) if (node.type === 'webhook') nodes.set(node.id, node);
  return nodes;
}

function mapWebhookNodes(definition: JourneyDefinition, map: (node: WebhookNode) => WebhookNode): JourneyDefinition {
  return { ...definition, nodes: definition.nodes.map((node) => (node.type === 'webhook' ? map(node) : node)) };
}

/** Header values of a node, by a name map that a hostile header name cannot reach into. */
function headerEntries(node: WebhookNode | undefined): Map<string, string> {
  return new Map(Object.entries(node?.headers ?? {}));
}

function headersFrom(entries: Iterable<[string, string]>): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of entries) headers[name] = value;
  return headers;
}

/**
 * A URL's user info as a Basic Authorization value and the URL without it: the stored URL then
 * stays a plain URL (the definition schema checks it) and the credentials are sealed as a header.
 */
function splitCredentials(text: string): { url: string; authorization?: string } {
  if (!hasCredentials(text)) return { url: text };
  const url = new URL(text);
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/**
 * The definition as stored: every webhook node's header values sealed; credentials in a URL
 * become a sealed `authorization` header (one given explicitly wins). A header value sent back
 * as read (masked) keeps what the same node of `previous` (the stored version being replaced)
 * had, so a read-edit-save round trip loses no secret.
 * @example const stored = sealWebhookNodes(definition, secrets, 'default', previousStored);
 */
export function sealWebhookNodes(definition: JourneyDefinition, box: SecretBox, workspaceId: string, previous?: JourneyDefinition): JourneyDefinition {
  const context = contextOf(workspaceId);
  const before = webhookNodesById(previous);
  return mapWebhookNodes(definition, (node) => {
    const oldHeaders = headerEntries(before.get(node.id));
    const { url, authorization } = splitCredentials(node.url);
    const entries = headerEntries(node);
    if (authorization !== undefined && ![...entries.keys()].some((name) => name.toLowerCase() === 'authorization')) entries.set('authorization', authorization);
    const sealed = [...entries].map(([name, value]): [string, string] => [name, (value === MASKED_HEADER ? oldHeaders.get(name) : undefined) ?? box.seal(value, context)]);
    return { id: node.id, type: node.type, url, next: node.next, ...(sealed.length === 0 ? {} : { headers: headersFrom(sealed) }) };
  });
}

/**
 * The definition as the API shows it: header values masked (and credentials in URLs of rows
 * stored before sealing).
 * @example const shown = maskWebhookNodes(stored);
 */
export function maskWebhookNodes(definition: JourneyDefinition): JourneyDefinition {
  return mapWebhookNodes(definition, (node) => ({
    ...node,
    url: maskCredentials(node.url),
    ...(node.headers === undefined ? {} : { headers: headersFrom([...headerEntries(node)].map(([name]): [string, string] => [name, MASKED_HEADER])) }),
  }));
}

/**
 * Header values of a webhook step, opened to send (plaintext rows from before sealing open as
 * themselves). Throws SecretKeyError when a value was sealed under a key this server lacks.
 */
export function openHeaders(headers: Record<string, string>, box: SecretBox, workspaceId: string): Record<string, string> {
  const context = contextOf(workspaceId);
  return headersFrom(Object.entries(headers).map(([name, value]): [string, string] => [name, box.open(value, context)]));
}
