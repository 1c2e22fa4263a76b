import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';

describe('identity rules API', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent' }), { processor: 'inline' });
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the defaults: one userId per profile, junk values blocked', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/identity-rules', headers: admin });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.overrides).toEqual({});
    expect(body.effective.types.user_id).toEqual({ maxPerProfile: 1, priority: 100 });
    expect(body.effective.blockedValues).toEqual(expect.arrayContaining(['null', 'anonymous', '0', '-1']));
  });

  it('rejects rules that do not validate, naming the field', async () => {
    const response = await rapport.app.inject({ method: 'PUT', url: '/api/v1/identity-rules', headers: admin, payload: { types: { email: { maxPerProfile: 0 } } } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain('maxPerProfile');
    // A misspelt field is an error, not silently dropped.
    const typo = await rapport.app.inject({ method: 'PUT', url: '/api/v1/identity-rules', headers: admin, payload: { blockedValue: ['x'] } });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error.issues).toEqual([{ field: 'body.blockedValue', rule: 'additionalProperties', message: 'is not a known field' }]);
  });

  it('applies a workspace override: a CRM id trait links a POS customer to the web profile', async () => {
    const put = await rapport.app.inject({
      method: 'PUT',
      url: '/api/v1/identity-rules',
      headers: admin,
      payload: { externalIdTraits: { crm_id: 'crm_id' }, blockedValues: ['placeholder-user'] },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().effective.externalIdTraits).toEqual({ crm_id: 'crm_id' });

    const send = (payload: object) => rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` }, payload });
    await send({
      batch: [
        { type: 'identify', userId: 'web-42', traits: { crm_id: 'CRM-9' }, messageId: 'ir-1' },
        { type: 'identify', anonymousId: 'pos-terminal-7-sale-3', traits: { crm_id: 'CRM-9', firstName: 'Ana' }, messageId: 'ir-2' },
        { type: 'track', userId: 'placeholder-user', event: 'Product Viewed', messageId: 'ir-3' },
      ],
    });
    await rapport.processor.drain();
    const web = await rapport.profiles.lookupProfile('default', 'user_id', 'web-42');
    const pos = await rapport.profiles.lookupProfile('default', 'anonymous_id', 'pos-terminal-7-sale-3');
    expect(pos?.id).toBe(web?.id);
    expect(web?.traits).toMatchObject({ firstName: 'Ana' });
    expect(await rapport.profiles.lookupProfile('default', 'user_id', 'placeholder-user')).toBeUndefined();
  });

  it('lists profiles page by page, leaving merged-away ones out', async () => {
    await rapport.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` },
      payload: {
        batch: [
          { type: 'track', userId: 'list-1', event: 'E' },
          { type: 'track', userId: 'list-2', event: 'E' },
        ],
      },
    });
    await rapport.processor.drain();
    const first = await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles?limit=2', headers: admin });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.profiles).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await rapport.app.inject({ method: 'GET', url: `/api/v1/profiles?limit=2&cursor=${page1.nextCursor}`, headers: admin })).json();
    expect(page2.nextCursor).toBeNull();
    const listed = [...page1.profiles, ...page2.profiles];
    // web-42 (with the POS visitor merged into it), list-1 and list-2.
    expect(listed).toHaveLength(3);
    expect(listed.flatMap((profile: { identities: { type: string; value: string }[] }) => profile.identities.filter((i) => i.type === 'user_id').map((i) => i.value)).sort()).toEqual([
      'list-1',
      'list-2',
      'web-42',
    ]);
    const bad = await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles?cursor=nonsense', headers: admin });
    expect(bad.statusCode).toBe(400);
  });
});
