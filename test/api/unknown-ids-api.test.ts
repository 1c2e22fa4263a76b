import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { startTestRapport, type TestRapport } from '../helpers/server.js';

const admin = { authorization: 'Bearer ADM' };

describe.each(dialects)('routes naming a profile that does not exist answer 404 (%s)', (dialect) => {
  let test: TestRapport;
  let journeyId: string;
  let segmentId: string;
  beforeAll(async () => {
    test = await startTestRapport(dialect, { RAPPORT_JOURNEY_DELIVERY: 'record' });
    const { app } = test.rapport;
    const journey = await app.inject({
      method: 'POST',
      url: '/api/v1/journeys',
      headers: admin,
      payload: { name: 'API journey', trigger: { type: 'api' }, start: 'end', nodes: [{ id: 'end', type: 'exit' }] },
    });
    journeyId = journey.json().id;
    await app.inject({ method: 'POST', url: `/api/v1/journeys/${journeyId}/activate`, headers: admin });
    const segment = await app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: admin,
      payload: { name: 'everyone', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'gold' } },
    });
    segmentId = segment.json().id;
  });
  afterAll(async () => {
    await test.stop();
  });

  it.each([
    ['GET', '/api/v1/recommendations?strategy=best-sellers&profile=prf_nope', undefined],
    ['POST', '/api/v1/journeys/{journey}/enter', { profileId: 'prf_nope' }],
    ['POST', '/api/v1/journeys/{journey}/dry-run', { profileId: 'prf_nope' }],
    ['GET', '/api/v1/segments/{segment}/explain/prf_nope', undefined],
    ['GET', '/api/v1/profiles/prf_nope', undefined],
  ] as const)('%s %s', async (method, url, payload) => {
    const response = await test.rapport.app.inject({ method, url: url.replace('{journey}', journeyId).replace('{segment}', segmentId), headers: admin, ...(payload === undefined ? {} : { payload }) });
    expect(response.statusCode, response.body).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('prf_nope') } });
  });
});
