import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createRapport, type Rapport } from '../rapport.js';
import { strategyNames } from '../recommendations/rules.js';
import { tempDir } from '../../test/helpers/databases.js';

describe('validation errors', () => {
  let dir: string;
  let rapport: Rapport;
  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent', RAPPORT_RECS_RETRAIN_MINUTES: '0' }), {
      processor: 'off',
      logger: false,
    });
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fold a value outside a union of literals into one issue that lists the allowed values', async () => {
    const response = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=nope', headers: { authorization: 'Bearer ADM' } });
    expect(response.statusCode).toBe(400);
    const body: { error: { message: string; issues: { field: string; rule: string; message: string }[] } } = response.json();
    expect(body.error.issues).toHaveLength(1);
    expect(body.error.issues[0]?.field).toBe('querystring.strategy');
    expect(body.error.message).not.toContain('must be equal to constant');
    for (const name of strategyNames) expect(body.error.message).toContain(`"${name}"`);
    expect(body.error.message).toMatch(/^querystring\.strategy must be one of "/);
  });

  it('answer a domain refusal with its domain code and, in type, the HTTP class clients of the class codes read', async () => {
    const response = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: { authorization: 'Bearer ADM' },
      payload: { name: 'Loop', condition: { type: 'segment', segmentId: 'seg_missing' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'segment.unknown_reference', type: 'invalid_request', issues: [{ field: 'condition', rule: 'reference' }] } });
    const validation = await rapport.app.inject({ method: 'GET', url: '/api/v1/recommendations?strategy=nope', headers: { authorization: 'Bearer ADM' } });
    expect(validation.json()).toMatchObject({ error: { code: 'invalid_request', type: 'invalid_request' } });
  });

  it('list every code in the OpenAPI document, under the Error schema', async () => {
    const document: { components: { schemas: Record<string, { properties: { error: { properties: { code: { enum: string[] } } } } }> } } = (
      await rapport.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { authorization: 'Bearer ADM' } })
    ).json();
    const codes = document.components.schemas.Error?.properties.error.properties.code.enum ?? [];
    expect(codes).toEqual(expect.arrayContaining(['segment.cycle', 'condition.invalid', 'template.channel_mismatch', 'not_found', 'invalid_request']));
  });

  it('fold nested unions (a strategy or "*") the same way', async () => {
    const response = await rapport.app.inject({ method: 'DELETE', url: '/api/v1/recommendations/rules/nope', headers: { authorization: 'Bearer ADM' } });
    expect(response.statusCode).toBe(400);
    const body: { error: { message: string } } = response.json();
    expect(body.error.message).not.toContain('constant');
    expect(body.error.message).not.toContain('anyOf');
    expect(body.error.message).toMatch(/^params\.strategy must be one of .*"\*"/);
  });
});
