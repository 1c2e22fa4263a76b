import { readIdentity, type Mapped, type MapOptions } from './customers.js';
import { importMessageId, Row } from './row.js';
import { ownValue } from '../shared/own.js';

/** What an order row records. */
export type OrderAction = 'completed' | 'refunded' | 'cancelled';

const ACTIONS: Record<string, OrderAction> = {
  '': 'completed',
  order: 'completed',
  sale: 'completed',
  completed: 'completed',
  complete: 'completed',
  paid: 'completed',
  fulfilled: 'completed',
  shipped: 'completed',
  delivered: 'completed',
  closed: 'completed',
  refund: 'refunded',
  refunded: 'refunded',
  partially_refunded: 'refunded',
  return: 'refunded',
  returned: 'refunded',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  cancel: 'cancelled',
  void: 'cancelled',
  voided: 'cancelled',
};

const EVENTS: Record<OrderAction, { event: string; prefix: string }> = {
  completed: { event: 'Order Completed', prefix: 'import-order' },
  refunded: { event: 'Order Refunded', prefix: 'import-refund' },
  cancelled: { event: 'Order Cancelled', prefix: 'import-cancel' },
};

const ORDER_ID = ['order_id', 'orderid', 'order_number', 'order_no'];
/** What the row is: a sale, or a refund or cancellation recorded as a transaction of its own. */
const TRANSACTION_TYPE = ['type', 'transaction_type'];
/** The order's final state: a refunded order was first a completed purchase. */
const FINAL_STATUS = ['status', 'order_status', 'financial_status'];
/** Line-item columns, read into a product object by `readLineItem`. */
const ITEM_COLUMNS = {
  product_id: ['product_id', 'productid', 'item_id'],
  sku: ['sku', 'product_sku'],
  name: ['product_name', 'item_name', 'name', 'title'],
  price: ['price', 'unit_price', 'item_price'],
  quantity: ['quantity', 'qty'],
  category: ['category', 'product_category'],
  brand: ['brand'],
  variant: ['variant'],
  url: ['product_url', 'url'],
  image_url: ['image_url', 'image'],
  coupon: ['item_coupon'],
};
// An order with more lines than this is almost surely a file whose order_id column is wrong.
const MAX_LINES_PER_ORDER = 1000;

/** One row of an orders file, read but not yet grouped. */
interface OrderLine {
  line: number;
  orderId: string;
  action: OrderAction;
  /** The action came from the order's final status, so the purchase itself happened too. */
  finalStatus: boolean;
  row: Row;
  products: Array<Record<string, unknown>>;
  problems: string[];
}

/** A complete order: one message from one or more consecutive rows. */
export interface OrderGroup {
  /** The first line of the order in the file. */
  line: number;
  rows: number;
  result: Mapped;
  /** Messages to send before `result`: the purchase of an order whose final status is refunded or cancelled. */
  before: Array<Record<string, unknown>>;
}

/**
 * Groups consecutive rows of one order (one row per line item, order_id repeated) into one
 * event; a row with a `products` JSON column is an order by itself. Only the current order is
 * held, so memory stays bounded whatever the file size.
 * @example const grouper = new OrderGrouper({}); for (const row of rows) done.push(...grouper.push(line, row)); done.push(...grouper.flush());
 */
export class OrderGrouper {
  private current: OrderLine[] = [];

  constructor(private readonly options: MapOptions) {}

  /** Adds a row; returns the order it completes (the previous one) or a rejected row. */
  push(line: number, fields: Record<string, unknown>): OrderGroup[] {
    const row = new Row(fields);
    const orderId = row.text(...ORDER_ID);
    if (orderId === undefined) return [...this.flush(), { line, rows: 1, result: { ok: false, reason: 'needs order_id' }, before: [] }];
    const transaction = row.text(...TRANSACTION_TYPE);
    const status = (transaction ?? row.text(...FINAL_STATUS) ?? '').toLowerCase().replace(/[\s-]+/g, '_');
    const action = ownValue(ACTIONS, status);
    if (action === undefined) {
      return [...this.flush(), { line, rows: 1, result: { ok: false, reason: `status "${status}" is not imported (completed, refunded or cancelled orders are)` }, before: [] }];
    }
    const orderLine: OrderLine = { line, orderId, action, finalStatus: transaction === undefined, row, products: [], problems: row.problems };
    const products = row.json('products', 'items', 'line_items');
    if (products !== undefined) {
      if (!Array.isArray(products) || !products.every(isObject)) row.problems.push('products must be a JSON array of objects');
      else orderLine.products = products.map((product) => ({ ...product }));
    } else {
      const item = readLineItem(row);
      if (item !== undefined) orderLine.products.push(item);
    }
    const head = this.current[0];
    const done = head !== undefined && (head.orderId !== orderId || head.action !== action) ? this.flush() : [];
    this.current.push(orderLine);
    if (this.current.length > MAX_LINES_PER_ORDER) {
      this.current = [];
      return [...done, { line, rows: MAX_LINES_PER_ORDER + 1, result: { ok: false, reason: `order ${orderId} has more than ${MAX_LINES_PER_ORDER} lines` }, before: [] }];
    }
    return done;
  }

  /** Completes the order in progress (call at the end of the file). */
  flush(): OrderGroup[] {
    const lines = this.current;
    this.current = [];
    const head = lines[0];
    if (head === undefined) return [];
    return [buildOrder(lines, this.options)];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readLineItem(row: Row): Record<string, unknown> | undefined {
  const item: Record<string, unknown> = {};
  for (const [key, names] of Object.entries(ITEM_COLUMNS)) {
    const value = key === 'price' ? row.number(...names) : key === 'quantity' ? row.integer(...names) : row.text(...names);
    if (value !== undefined) item[key] = value;
  }
  if (item.product_id === undefined && item.sku === undefined && item.name === undefined) return undefined;
  if (item.quantity === undefined) item.quantity = 1;
  return item;
}

function buildOrder(lines: OrderLine[], options: MapOptions): OrderGroup {
  const head = lines[0];
  if (head === undefined) throw new Error('empty order group');
  const group = (result: Mapped, before: Array<Record<string, unknown>> = []): OrderGroup => ({ line: head.line, rows: lines.length, result, before });
  const { row, orderId, action, finalStatus } = head;
  const identity = readIdentity(row, options);
  const timestamp = row.timestamp('timestamp', 'created_at', 'order_date', 'ordered_at', 'completed_at', 'refunded_at', 'cancelled_at', 'date');
  const properties: Record<string, unknown> = { order_id: orderId };
  const put = (name: string, value: unknown) => {
    if (value !== undefined) properties[name] = value;
  };
  put('checkout_id', row.text('checkout_id'));
  put('affiliation', row.text('affiliation', 'store', 'channel'));
  put('subtotal', row.number('subtotal'));
  put('total', row.number('total', 'order_total', 'amount'));
  put('revenue', row.number('revenue'));
  put('shipping', row.number('shipping', 'shipping_cost'));
  put('tax', row.number('tax', 'tax_amount', 'vat'));
  put('discount', row.number('discount', 'discount_amount'));
  put('coupon', row.text('coupon', 'coupon_code', 'discount_code'));
  put('currency', row.text('currency')?.toUpperCase());
  // Every line's item columns were read by the line-item reader; what is left of the first
  // line (payment_method, store_id, ...) describes the order.
  Object.assign(properties, row.rest(), { order_id: orderId });
  const products = lines.flatMap((orderLine) => orderLine.products);
  if (products.length > 0) properties.products = products;
  // revenue excludes shipping and tax [ECOM]; derive it from the lines when the file has none.
  const purchased = action === 'completed' || finalStatus;
  if (properties.revenue === undefined && purchased && products.length > 0) {
    const sum = products.reduce((total, product) => total + lineAmount(product), 0);
    if (Number.isFinite(sum)) properties.revenue = Math.round(sum * 100) / 100;
  }

  const problems = lines.flatMap((orderLine) => orderLine.problems.map((problem) => (lines.length > 1 ? `line ${orderLine.line}: ${problem}` : problem)));
  if (problems.length > 0) return group({ ok: false, reason: problems.join('; ') });
  if (identity === undefined) return group({ ok: false, reason: 'needs user_id, customer_id, email or phone to know whose order it is' });
  if (timestamp === undefined) return group({ ok: false, reason: 'needs the order time (timestamp, created_at or order_date)' });
  const traits: Record<string, string> = {};
  if (identity.email !== undefined) traits.email = identity.email;
  if (identity.phone !== undefined) traits.phone = identity.phone;
  const messageOf = (forAction: OrderAction, at: string): Record<string, unknown> => {
    const { event, prefix } = EVENTS[forAction];
    const message: Record<string, unknown> = { type: 'track', event, messageId: importMessageId(prefix, orderId), timestamp: at, properties };
    if (identity.userId !== undefined) message.userId = identity.userId;
    if (identity.anonymousId !== undefined) message.anonymousId = identity.anonymousId;
    if (Object.keys(traits).length > 0) message.context = { traits };
    return message;
  };
  if (action !== 'completed' && finalStatus) {
    // An order exported with its final status "refunded" was bought first: keep the purchase
    // (at the order time) and the refund (at refunded_at / cancelled_at when the file has it).
    const endedAt = row.timestamp(action === 'refunded' ? 'refunded_at' : 'cancelled_at') ?? timestamp;
    return group({ ok: true, message: messageOf(action, endedAt) }, [messageOf('completed', timestamp)]);
  }
  return group({ ok: true, message: messageOf(action, timestamp) });
}

function lineAmount(product: Record<string, unknown>): number {
  const price = typeof product.price === 'number' ? product.price : Number(product.price ?? 0);
  const quantity = typeof product.quantity === 'number' ? product.quantity : Number(product.quantity ?? 1);
  return price * quantity;
}
