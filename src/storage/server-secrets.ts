import type { Database } from './database.js';

/**
 * A secret every process on this store must share (the link HMAC key, the VAPID key pair):
 * the stored one, else `create()` stored once. Concurrent first starts race on one insert
 * (`on conflict do nothing`) and all read back the winner's value, so every process ends up
 * with the same secret.
 * @example const secret = await sharedSecret(database, 'link-secret', () => randomBytes(32).toString('hex'), now);
 */
export async function sharedSecret(database: Database, name: string, create: () => string, now: number): Promise<string> {
  const { db } = database;
  const existing = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (existing !== undefined) return existing.value;
  await db
    .insertInto('server_secrets')
    .values({ name, value: create(), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return stored.value;
}

/**
 * Replaces a shared value (a key id after a rotation).
 * @example await recordSecret(database, 'secret-key-id', box.keyId, now);
 */
export async function recordSecret(database: Database, name: string, value: string, now: number): Promise<void> {
  await database.db
    .insertInto('server_secrets')
    .values({ name, value, created_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value, created_at: now }))
    .execute();
}
