import { contentHash, importMessageId, Row } from './row.js';

/** A row turned into a Segment message, or the reason it cannot be. */
export type Mapped = { ok: true; message: Record<string, unknown> } | { ok: false; reason: string };

export interface MapOptions {
  /** Country for phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry?: string | undefined;
  /** Columns that hold ids of other systems, on top of `*_id` and `loyalty_card`. */
  externalIdColumns?: readonly string[] | undefined;
}

const USER_ID = ['user_id', 'userid', 'customer_id', 'customerid'];
const EMAIL = ['email', 'email_address', 'e_mail'];
const PHONE = ['phone', 'phone_number', 'mobile', 'mobile_phone'];
const COUNTRY = ['country', 'country_code'];
// Channels a consent column can speak for, and the column shapes CRMs use for them.
const CONSENT = /^(?:accepts_)?(email|sms|push|whatsapp|marketing|newsletter)_?(?:consent|opt_?in|subscribed|subscription|marketing)?$/;
const CONSENT_COLUMNS = new Set(['email_consent', 'sms_consent', 'push_consent', 'whatsapp_consent', 'marketing_consent']);

export interface Identity {
  userId?: string;
  anonymousId?: string;
  email?: string;
  phone?: string;
}

/**
 * Who a row is about: user_id / customer_id when present; otherwise an anonymousId derived from
 * the email or phone, so the same person gets the same id in every import and the identity
 * graph joins them through the email or phone trait.
 */
export function readIdentity(row: Row, options: MapOptions): Identity | undefined {
  const userId = row.text(...USER_ID);
  const anonymousId = row.text('anonymous_id', 'anonymousid');
  const email = row.email(...EMAIL);
  const country = row.text(...COUNTRY);
  const phone = row.phone(country ?? options.defaultCountry, ...PHONE);
  const identity: Identity = {};
  if (email !== undefined) identity.email = email;
  if (phone !== undefined) identity.phone = phone;
  if (userId !== undefined) identity.userId = userId;
  if (anonymousId !== undefined) identity.anonymousId = anonymousId;
  else if (userId === undefined) {
    const key = email ?? phone;
    if (key === undefined) return undefined;
    identity.anonymousId = `import-${contentHash(key)}`;
  }
  return identity;
}

/**
 * A CRM row → an `identify` message. Reserved traits use Segment's names (firstName,
 * address.postalCode, createdAt); consent columns become `traits.consent.<channel>`; ids of
 * other systems go to `context.externalIds`; every other column is a trait as named. The
 * messageId hashes the row, so an unchanged row dedupes on re-import and a changed one applies.
 * @example mapCustomer({ customer_id: '42', email: 'a@b.co', first_name: 'Ada' }, {})
 */
export function mapCustomer(fields: Record<string, unknown>, options: MapOptions): Mapped {
  const row = new Row(fields);
  const identity = readIdentity(row, options);
  const traits: Record<string, unknown> = {};
  const put = (name: string, value: unknown) => {
    if (value !== undefined) traits[name] = value;
  };
  put('email', identity?.email);
  put('phone', identity?.phone);
  put('firstName', row.text('first_name', 'firstname', 'given_name'));
  put('lastName', row.text('last_name', 'lastname', 'family_name', 'surname'));
  put('name', row.text('name', 'full_name'));
  put('birthday', row.date('birthday', 'birth_date', 'date_of_birth', 'dob'));
  put('gender', row.text('gender')?.toLowerCase());
  put('createdAt', row.timestamp('created_at', 'createdat', 'signup_date', 'signed_up_at', 'registered_at'));
  const address: Record<string, string> = {};
  const putAddress = (name: string, value: string | undefined) => {
    if (value !== undefined) address[name] = value;
  };
  putAddress('street', row.text('street', 'address', 'address1', 'address_1', 'address_line_1', 'street_address'));
  putAddress('street2', row.text('address2', 'address_2', 'address_line_2'));
  putAddress('city', row.text('city', 'town'));
  putAddress('state', row.text('state', 'region', 'province', 'county'));
  putAddress('postalCode', row.text('postal_code', 'postalcode', 'zip', 'zip_code', 'zipcode', 'postcode'));
  putAddress('country', row.text(...COUNTRY));
  if (Object.keys(address).length > 0) traits.address = address;
  const timestamp = row.timestamp('updated_at', 'updatedat', 'timestamp');

  const consent: Record<string, boolean> = {};
  const externalIds: Array<{ id: string; type: string; collection: 'users'; encoding: 'none' }> = [];
  const external = new Set(options.externalIdColumns ?? []);
  for (const name of row.unused()) {
    const channel = consentChannel(name);
    if (channel !== undefined) {
      const value = row.boolean(name);
      if (value !== undefined) consent[channel] = value;
    } else if (external.has(name) || name.endsWith('_id') || name === 'loyalty_card') {
      const id = row.text(name);
      if (id !== undefined) externalIds.push({ id, type: name, collection: 'users', encoding: 'none' });
    }
  }
  if (Object.keys(consent).length > 0) traits.consent = consent;
  Object.assign(traits, row.rest());

  if (row.problems.length > 0) return { ok: false, reason: row.problems.join('; ') };
  if (identity === undefined) return { ok: false, reason: 'needs user_id, customer_id, email or phone to know who the row is about' };
  const message: Record<string, unknown> = {
    type: 'identify',
    messageId: importMessageId('import-customer', contentHash(fields)),
    traits,
  };
  if (identity.userId !== undefined) message.userId = identity.userId;
  if (identity.anonymousId !== undefined) message.anonymousId = identity.anonymousId;
  if (timestamp !== undefined) message.timestamp = timestamp;
  if (externalIds.length > 0) message.context = { externalIds };
  return { ok: true, message };
}

function consentChannel(column: string): string | undefined {
  if (column === 'accepts_marketing' || column === 'newsletter' || column === 'marketing_opt_in') return 'email';
  if (!CONSENT_COLUMNS.has(column) && !/(consent|opt_?in|subscribed|accepts_)/.test(column)) return undefined;
  const match = CONSENT.exec(column);
  if (match === null) return undefined;
  const channel = match[1];
  return channel === 'marketing' || channel === 'newsletter' ? 'email' : channel;
}
