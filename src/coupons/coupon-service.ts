import { Value } from '@sinclair/typebox/value';
import { LogFollower, type FollowerPosition, type StepResult } from '../log/follower.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database, Tx } from '../storage/database.js';
import {
  claimUnissuedCoupon,
  couponReport,
  findCoupon,
  findCouponByMessage,
  findCouponPool,
  insertCouponPool,
  insertCoupons,
  insertIssuedCoupon,
  listCouponPools,
  readCouponCursors,
  readCouponEvents,
  readLogHeads,
  redeemCoupon,
  workspacesWithPools,
  writeCouponCursor,
  type CouponPoolRecord,
} from './store/coupons.js';
import { chooseOffer, describeOffer, generateCode, OfferRuleSchema, OfferSchema, type Offer, type OfferRule, type ScoreValue } from './offer.js';
import { roundMoney } from '../shared/money.js';
import { readShopCurrency } from '../catalog/index.js';

export interface CouponPool {
  id: string;
  name: string;
  prefix: string;
  /** `uploaded` pools hand out codes you uploaded; `generated` pools mint a code per issue. */
  mode: 'uploaded' | 'generated';
  rule: OfferRule;
  expiresAfterDays: number | null;
  expiresAt: string | null;
  /** Offered on the unsubscribe page as a parting gift. */
  partingGift: boolean;
  createdAt: string;
}

export interface PoolInput {
  name: string;
  prefix?: string;
  mode?: 'uploaded' | 'generated';
  rule: OfferRule;
  /** Each issued code expires this many days after issue. */
  expiresAfterDays?: number | null;
  /** Every code of the pool expires at this ISO time. */
  expiresAt?: string | null;
  /** Offer this pool's codes on the unsubscribe page before someone leaves. */
  partingGift?: boolean;
}

export interface IssuedCoupon {
  code: string;
  offer: Offer;
  /** `15% off`, `free shipping`: what templates print. */
  description: string;
  expiresAt: string | null;
}

export interface CouponReport {
  poolId: string;
  name: string;
  codes: number;
  issued: number;
  redeemed: number;
  /** Redeemed / issued; null before any issue. */
  redemptionRate: number | null;
  revenue: number;
}

const MAX_GENERATE = 100_000;

function storedRule(pool: CouponPoolRecord): { mode: 'uploaded' | 'generated'; rule: OfferRule; partingGift: boolean } {
  const value: unknown = JSON.parse(pool.offer);
  if (typeof value !== 'object' || value === null) throw new Error(`pool ${pool.id} has a broken offer`);
  const mode = Reflect.get(value, 'mode') === 'uploaded' ? 'uploaded' : 'generated';
  const rule: unknown = Reflect.get(value, 'rule');
  if (!Value.Check(OfferRuleSchema, rule)) throw new Error(`pool ${pool.id} has a broken offer rule`);
  return { mode, rule, partingGift: Reflect.get(value, 'partingGift') === true };
}

function toPool(record: CouponPoolRecord): CouponPool {
  const { mode, rule, partingGift } = storedRule(record);
  return {
    id: record.id,
    partingGift,
    name: record.name,
    prefix: record.prefix,
    mode,
    rule,
    expiresAfterDays: record.expiresAfterDays,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

function parseOffer(text: string | null): Offer | undefined {
  if (text === null) return undefined;
  const value: unknown = JSON.parse(text);
  return Value.Check(OfferSchema, value) ? value : undefined;
}

/** The first problem of an invalid rule, with its path: unions are explained by their `kind` / `type`. */
function explainRule(rule: unknown): string {
  const kinds = OfferRuleSchema.anyOf;
  const kind: unknown = typeof rule === 'object' && rule !== null ? Reflect.get(rule, 'kind') : undefined;
  const variant = kinds.find((schema) => schema.properties.kind.const === kind);
  if (variant === undefined) return `rule/kind must be fixed, tiers or mystery, got ${JSON.stringify(kind)}`;
  const offerError = (path: string, offer: unknown): string | undefined => {
    if (Value.Check(OfferSchema, offer)) return undefined;
    const type: unknown = typeof offer === 'object' && offer !== null ? Reflect.get(offer, 'type') : undefined;
    const schema = OfferSchema.anyOf.find((entry) => entry.properties.type.const === type);
    if (schema === undefined) return `rule${path}/type must be percent, fixed or free_shipping, got ${JSON.stringify(type)}`;
    const first = Value.Errors(schema, offer).First();
    return `rule${path}${first?.path ?? ''}: ${first?.message ?? 'invalid'}`;
  };
  const get = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined);
  const list = (key: string): unknown[] => {
    const value = get(rule, key);
    return Array.isArray(value) ? value : [];
  };
  const offers: [string, unknown][] =
    kind === 'fixed'
      ? [['/offer', get(rule, 'offer')]]
      : kind === 'tiers'
        ? [['/fallback', get(rule, 'fallback')], ...list('tiers').map((tier, index): [string, unknown] => [`/tiers/${index}/offer`, get(tier, 'offer')])]
        : list('draws').map((draw, index): [string, unknown] => [`/draws/${index}/offer`, get(draw, 'offer')]);
  for (const [path, offer] of offers) {
    const problem = offerError(path, offer);
    if (problem !== undefined) return problem;
  }
  const first = Value.Errors(variant, rule).First();
  return `rule${first?.path ?? ''}: ${first?.message ?? 'invalid'}`;
}

/** A redemption read from an event: the code, and the order it paid for if any. */
export function redemptionOf(payload: string): { code: string; orderId: string | null; revenue: number | null } | undefined {
  const message: unknown = JSON.parse(payload);
  if (typeof message !== 'object' || message === null) return undefined;
  const properties: unknown = Reflect.get(message, 'properties');
  if (typeof properties !== 'object' || properties === null) return undefined;
  const get = (key: string): unknown => Reflect.get(properties, key);
  const code = [get('coupon'), get('coupon_id'), get('coupon_name'), get('coupon_code')].find((value): value is string => typeof value === 'string' && value.trim() !== '');
  if (code === undefined) return undefined;
  const orderId = get('order_id');
  const revenue = [get('revenue'), get('total')].find((value): value is number => typeof value === 'number' && Number.isFinite(value));
  const event = Reflect.get(message, 'event');
  return {
    code: code.trim(),
    orderId: typeof orderId === 'string' || typeof orderId === 'number' ? String(orderId) : null,
    // A `Coupon Applied` carries no revenue: the `Order Completed` that follows fills it.
    revenue: event === 'Order Completed' ? (revenue ?? null) : null,
  };
}

/**
 * Coupon pools, personalised single-use codes issued at send time, redemption from the event
 * log and the issued / redeemed / revenue report.
 * @example
 * const pool = await coupons.createPool('ws', { name: 'Win-back', prefix: 'BACK-', rule: { kind: 'fixed', offer: { type: 'percent', value: 15 } } });
 * const issued = await coupons.issue('ws', pool.id, { profileId: 'prf_1', messageId: 'msg_1', scores: {} });
 */
export class CouponService {
  private background: LogFollower | undefined;
  /** Redemptions recorded by this service's followers (what `followRedemptions` reports). */
  private redemptions = 0;

  constructor(private readonly deps: { database: Database; clock: Clock; uniform?: () => number }) {}

  /** Creates a pool; `id` names it (journey recipes use readable ids such as `cart-10-off`). */
  async createPool(workspaceId: string, input: PoolInput, id: string = randomId('cpl', 10)): Promise<CouponPool> {
    if (!Value.Check(OfferRuleSchema, input.rule)) throw new RapportError('coupon.rule_invalid', explainRule(input.rule));
    const prefix = input.prefix ?? '';
    if (!/^[A-Za-z0-9_-]{0,20}$/.test(prefix)) throw new RapportError('coupon.prefix_invalid', 'prefix may hold up to 20 letters, digits, - and _');
    const expiresAt = input.expiresAt === undefined || input.expiresAt === null ? null : Date.parse(input.expiresAt);
    if (expiresAt !== null && Number.isNaN(expiresAt)) throw new RapportError('coupon.expiry_invalid', `expiresAt must be an ISO time, got "${input.expiresAt}"`);
    const record: CouponPoolRecord = {
      id,
      name: input.name,
      prefix,
      offer: JSON.stringify({ mode: input.mode ?? 'generated', rule: input.rule, partingGift: input.partingGift === true }),
      expiresAfterDays: input.expiresAfterDays ?? null,
      expiresAt,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.database.transaction(async (trx) => {
      if ((await findCouponPool(trx, workspaceId, id)) !== undefined) throw new RapportError('conflict', `coupon pool ${id} already exists`);
      await insertCouponPool(trx, workspaceId, record);
    });
    return toPool(record);
  }

  async listPools(workspaceId: string): Promise<CouponPool[]> {
    return (await listCouponPools(this.deps.database.db, workspaceId)).map(toPool);
  }

  /** The pool offered as a parting gift on the unsubscribe page, if any. */
  async partingPool(workspaceId: string): Promise<CouponPool | undefined> {
    return (await this.listPools(workspaceId)).find((pool) => pool.partingGift);
  }

  async getPool(workspaceId: string, id: string): Promise<CouponPool> {
    const record = await findCouponPool(this.deps.database.db, workspaceId, id);
    if (record === undefined) throw new RapportError('not_found', `no coupon pool ${id}`);
    return toPool(record);
  }

  /** Adds uploaded codes (trimmed, deduplicated); reports codes that already existed. */
  async uploadCodes(workspaceId: string, poolId: string, codes: readonly string[]): Promise<{ added: number; skipped: string[] }> {
    await this.getPool(workspaceId, poolId);
    const clean = [...new Set(codes.map((code) => code.trim()).filter((code) => code !== ''))];
    const bad = clean.find((code) => code.length > 64);
    if (bad !== undefined) throw new RapportError('coupon.code_too_long', `codes may be at most 64 characters: "${bad.slice(0, 70)}..."`);
    const skipped = await this.deps.database.transaction((trx) => insertCoupons(trx, workspaceId, poolId, clean, this.deps.clock.now()));
    return { added: clean.length - skipped.length, skipped };
  }

  /** Pre-generates `count` unguessable codes with the pool's prefix into the pool. */
  async generateCodes(workspaceId: string, poolId: string, count: number): Promise<{ added: number }> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_GENERATE) throw new RapportError('coupon.count_out_of_range', `count must be an integer from 1 to ${MAX_GENERATE}`);
    const pool = await this.getPool(workspaceId, poolId);
    const codes = new Set<string>();
    while (codes.size < count) codes.add(generateCode(pool.prefix));
    const skipped = await this.deps.database.transaction((trx) => insertCoupons(trx, workspaceId, poolId, [...codes], this.deps.clock.now()));
    return { added: count - skipped.length };
  }

  /**
   * Issues one single-use code to a person: the offer is chosen from their scores (tiers) or
   * drawn (mystery). Idempotent per message: a retried send gets the same code back.
   */
  async issue(workspaceId: string, poolId: string, request: { profileId: string; messageId: string | null; scores: Readonly<Record<string, ScoreValue>> }, trx?: Tx): Promise<IssuedCoupon> {
    const run = async (db: Tx): Promise<IssuedCoupon> => {
      const record = await findCouponPool(db, workspaceId, poolId);
      if (record === undefined) throw new RapportError('not_found', `no coupon pool ${poolId}`);
      if (request.messageId !== null) {
        const existing = await findCouponByMessage(db, workspaceId, request.messageId);
        if (existing !== undefined) return this.describe(db, workspaceId, existing);
      }
      const now = this.deps.clock.now();
      if (record.expiresAt !== null && record.expiresAt <= now) throw new RapportError('conflict', `coupon pool ${poolId} expired at ${new Date(record.expiresAt).toISOString()}`);
      const { mode, rule } = storedRule(record);
      const offer = chooseOffer(rule, request.scores, this.deps.uniform);
      const afterDays = record.expiresAfterDays === null ? null : now + record.expiresAfterDays * 86_400_000;
      const expiresAt = afterDays === null ? record.expiresAt : record.expiresAt === null ? afterDays : Math.min(afterDays, record.expiresAt);
      const claim = { profileId: request.profileId, messageId: request.messageId, offer: JSON.stringify(offer), issuedAt: now, expiresAt };
      let code: string | undefined;
      if (mode === 'uploaded') {
        code = await claimUnissuedCoupon(db, workspaceId, poolId, claim);
        if (code === undefined) throw new RapportError('conflict', `coupon pool ${poolId} has no unissued codes left; upload more`);
      } else {
        for (let attempt = 0; attempt < 5 && code === undefined; attempt++) {
          const candidate = generateCode(record.prefix);
          const inserted = await insertIssuedCoupon(db, workspaceId, { code: candidate, poolId, ...claim, createdAt: now, redeemedAt: null, orderId: null, revenue: null });
          if (inserted) code = candidate;
        }
        if (code === undefined) throw new RapportError('coupon.code_space_exhausted', `pool ${poolId}: 5 generated codes in a row were taken; use a longer prefix or a new pool`);
      }
      return { code, offer, description: describeOffer(offer), expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
    };
    return trx === undefined ? this.deps.database.transaction(run) : run(trx);
  }

  private async describe(db: Tx, workspaceId: string, code: string): Promise<IssuedCoupon> {
    const coupon = await findCoupon(db, workspaceId, code);
    const offer = parseOffer(coupon?.offer ?? null);
    if (coupon === undefined || offer === undefined) throw new Error(`coupon ${code} lost its offer`);
    return { code, offer, description: describeOffer(offer), expiresAt: coupon.expiresAt === null ? null : new Date(coupon.expiresAt).toISOString() };
  }

  /** Looks a code up, e.g. for checkout validation: valid unless unknown, expired or used. */
  async check(workspaceId: string, code: string): Promise<{ valid: boolean; reason?: string; offer?: Offer }> {
    const coupon = await findCoupon(this.deps.database.db, workspaceId, code);
    if (coupon === undefined || coupon.issuedAt === null) return { valid: false, reason: 'unknown' };
    const offer = parseOffer(coupon.offer);
    if (coupon.redeemedAt !== null) return { valid: false, reason: 'redeemed' };
    if (coupon.expiresAt !== null && coupon.expiresAt <= this.deps.clock.now()) return { valid: false, reason: 'expired' };
    return offer === undefined ? { valid: true } : { valid: true, offer };
  }

  async report(workspaceId: string): Promise<CouponReport[]> {
    const [pools, rows, currency] = await Promise.all([this.listPools(workspaceId), couponReport(this.deps.database.db, workspaceId), readShopCurrency(this.deps.database.db, workspaceId)]);
    const byPool = new Map(rows.map((row) => [row.poolId, row]));
    return pools.map((pool) => {
      const row = byPool.get(pool.id);
      const issued = row?.issued ?? 0;
      const redeemed = row?.redeemed ?? 0;
      return {
        poolId: pool.id,
        name: pool.name,
        codes: row?.codes ?? 0,
        issued,
        redeemed,
        redemptionRate: issued === 0 ? null : redeemed / issued,
        revenue: roundMoney(row?.revenue ?? 0, currency ?? 'USD'),
      };
    });
  }

  /**
   * Reads `Coupon Applied` and `Order Completed` events after its cursor and marks the codes
   * they carry redeemed. Returns the number of redemptions recorded.
   */
  async followRedemptions(batch = 1000): Promise<number> {
    const before = this.redemptions;
    await this.follower(batch).drain();
    return this.redemptions - before;
  }

  /** Follows redemptions every `intervalMs` (and on `wake()`), until `stop()`. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.background !== undefined) return;
    this.background = this.follower(1000, { pollIntervalMs: intervalMs, onError });
    this.background.start();
  }

  wake(): void {
    this.background?.wake();
  }

  async stop(): Promise<void> {
    await this.background?.stop();
    this.background = undefined;
  }

  /** The log follower of redemptions: cursor per partition in `coupon_cursors`, under the lock `coupons:<ws>:<partition>`. */
  private follower(batchSize: number, loop: { pollIntervalMs: number; onError: (error: unknown) => void } | undefined = undefined): LogFollower {
    const { database, clock } = this.deps;
    return new LogFollower({
      name: 'coupons',
      database,
      clock,
      batchSize,
      ...(loop === undefined ? {} : { pollIntervalMs: loop.pollIntervalMs, logger: errorsTo(loop.onError) }),
      setAside: { code: 'coupon_failed', idPrefix: 'coupons', failed: 'checked for coupon redemptions', consequence: 'a code it carries stays unredeemed' },
      handler: {
        positions: async () => {
          const positions: FollowerPosition[] = [];
          for (const workspaceId of await workspacesWithPools(database.db)) {
            const [cursors, heads] = await Promise.all([readCouponCursors(database.db, workspaceId), readLogHeads(database.db, workspaceId)]);
            for (const [partition, head] of heads) positions.push({ workspaceId, partition, head, cursor: cursors.get(partition) ?? 0 });
          }
          return positions;
        },
        step: (position, limit) => this.redeemBatch(position, limit),
        skipNext: async (trx, { workspaceId, partition }) => {
          const cursor = (await readCouponCursors(trx, workspaceId)).get(partition) ?? 0;
          const [row] = await readCouponEvents(trx, workspaceId, partition, cursor, 1);
          if (row === undefined) return undefined;
          await writeCouponCursor(trx, workspaceId, partition, row.seq);
          return { partition, seq: row.seq, receivedAt: row.receivedAt, sourceId: null, payload: row.payload };
        },
      },
    });
  }

  private async redeemBatch({ workspaceId, partition, head }: FollowerPosition, limit: number): Promise<StepResult> {
    const { database, clock } = this.deps;
    const cursor = (await readCouponCursors(database.db, workspaceId)).get(partition) ?? 0;
    const rows = (await readCouponEvents(database.db, workspaceId, partition, cursor, limit)).filter((row) => row.seq <= head);
    const next = rows.length < limit ? head : (rows[rows.length - 1]?.seq ?? head);
    if (next <= cursor) return { moved: 0, full: false, linger: false };
    const redeemed = await database.transaction(async (trx) => {
      let count = 0;
      for (const row of rows) {
        const redemption = redemptionOf(row.payload);
        if (redemption === undefined) continue;
        const coupon = await findCoupon(trx, workspaceId, redemption.code);
        if (coupon === undefined) continue;
        if (coupon.redeemedAt === null) count += 1;
        await redeemCoupon(trx, workspaceId, redemption.code, { at: clock.now(), orderId: redemption.orderId, revenue: redemption.revenue });
      }
      await writeCouponCursor(trx, workspaceId, partition, next);
      return count;
    });
    this.redemptions += redeemed;
    return { moved: next - cursor, full: rows.length >= limit, linger: false };
  }
}

/** The follower's log lines as errors for a caller that takes only `onError`. */
function errorsTo(onError: (error: unknown) => void): { error(details: object, message: string): void } {
  return {
    error: (details, message) => onError('err' in details && details.err instanceof Error ? details.err : new Error(`${message}: ${JSON.stringify(details)}`)),
  };
}
