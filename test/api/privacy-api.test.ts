import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';

/*
 * The erasure as the server wires it (src/rapport.ts): every module's `privacy` handlers are registered
 * by the privacy module, and the analytics replica, opened lazily, loses the person too.
 * src/privacy/privacy-service.test.ts scans every row on both dialects; this checks the wiring.
 */
describe('privacy API: erasure across modules', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(
      loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_LOG_LEVEL: 'silent', RAPPORT_ANALYTICS_SYNC_MS: '0' }),
      { logger: false },
    );
    const batch = [
      { type: 'identify', userId: 'ann-42', anonymousId: 'anon-ann', traits: { email: 'ann@example.com', first_name: 'Annabel' } },
      { type: 'track', userId: 'ann-42', event: 'Order Completed', properties: { order_id: 'o-ann', revenue: 80 } },
      { type: 'identify', userId: 'zoe-1', traits: { email: 'zoe@example.com' } },
      { type: 'track', userId: 'zoe-1', event: 'Order Completed', properties: { order_id: 'o-zoe', revenue: 20 } },
    ];
    const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` }, payload: { batch } });
    expect(response.statusCode).toBe(200);
    await rapport.processor.drain();
  });

  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('erases the person from segments, experiments and the analytics replica through the API', async () => {
    const ann = await rapport.profiles.lookupProfile('default', 'user_id', 'ann-42');
    if (ann === undefined) throw new Error('ann was not processed');
    const list = await rapport.segments.createStatic('default', { name: 'VIP' });
    await rapport.segments.uploadList('default', list.id, 'email\nann@example.com\nzoe@example.com\n', 'add');
    await rapport.experiments.create('default', {
      key: 'banner',
      name: 'Banner',
      unit: 'userId',
      variants: [
        { key: 'a', weight: 0.5 },
        { key: 'b', weight: 0.5 },
      ],
      metrics: [{ id: 'buy', kind: 'conversion', event: 'Order Completed', windowHours: 24 }],
    });
    await rapport.experiments.start('default', 'banner');
    await rapport.experiments.assign('default', { userId: 'ann-42' });
    await rapport.processor.drain();
    await rapport.analytics.sync();
    const before = await rapport.analytics.status();

    const started = await rapport.app.inject({ method: 'POST', url: '/api/v1/privacy/erasures', headers: admin, payload: { profileId: ann.id, reason: 'request #1' } });
    expect(started.statusCode).toBe(202);
    const { id } = started.json<{ id: string }>();
    await rapport.privacy.settled(id);
    const job = (await rapport.app.inject({ method: 'GET', url: `/api/v1/privacy/jobs/${id}`, headers: admin })).json<{ status: string; erased: Record<string, number> }>();
    expect(job.status).toBe('done');
    expect(job.erased).toMatchObject({ segment_members: 1, experiment_exposures: 1 });
    // Her identify, order and exposure events, and her profile row, left the replica.
    expect(job.erased.analytics_replica).toBeGreaterThanOrEqual(4);
    const after = await rapport.analytics.status();
    expect(after.profiles).toBe(before.profiles - 1);
    expect(before.events - after.events).toBeGreaterThanOrEqual(3);
    expect((await rapport.segments.members('default', list.id)).members).toHaveLength(1);
    // A later pass does not bring her back.
    await rapport.analytics.sync();
    expect((await rapport.analytics.status()).events).toBe(after.events);
  });
});
