import type { Random } from './random.js';

export interface DemoPerson {
  firstName: string;
  lastName: string;
  email: string;
  /** E.164. */
  phone: string;
  /** YYYY-MM-DD. */
  birthday: string;
  gender: 'female' | 'male' | 'non-binary';
  city: string;
  country: string;
  locale: string;
  timezone: string;
}

interface City {
  city: string;
  country: string;
  locale: string;
  timezone: string;
  /** Builds a mobile number in the country's plan (fictional ranges where the plan has them). */
  phone: (random: Random) => string;
}

const digits = (random: Random, count: number) => {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
};

// NANP: area code + exchange 2-9xx + line; 555-01xx is reserved for fiction but too small a pool.
const us = (areas: readonly string[]) => (random: Random) => `+1${random.pick(areas)}${random.int(2, 9)}${digits(random, 6)}`;

const CITIES: readonly (readonly [City, number])[] = [
  [{ city: 'New York', country: 'US', locale: 'en-US', timezone: 'America/New_York', phone: us(['212', '646', '718', '917']) }, 14],
  [{ city: 'Los Angeles', country: 'US', locale: 'en-US', timezone: 'America/Los_Angeles', phone: us(['213', '310', '323']) }, 10],
  [{ city: 'Chicago', country: 'US', locale: 'en-US', timezone: 'America/Chicago', phone: us(['312', '773']) }, 7],
  [{ city: 'Austin', country: 'US', locale: 'en-US', timezone: 'America/Chicago', phone: us(['512', '737']) }, 4],
  [{ city: 'Seattle', country: 'US', locale: 'en-US', timezone: 'America/Los_Angeles', phone: us(['206', '425']) }, 4],
  [{ city: 'Toronto', country: 'CA', locale: 'en-CA', timezone: 'America/Toronto', phone: us(['416', '647']) }, 5],
  // Ofcom's drama range 07700 900000-900999.
  [{ city: 'London', country: 'GB', locale: 'en-GB', timezone: 'Europe/London', phone: (r) => `+447700900${digits(r, 3)}` }, 10],
  [{ city: 'Manchester', country: 'GB', locale: 'en-GB', timezone: 'Europe/London', phone: (r) => `+447700900${digits(r, 3)}` }, 4],
  [{ city: 'Berlin', country: 'DE', locale: 'de-DE', timezone: 'Europe/Berlin', phone: (r) => `+49151${digits(r, 8)}` }, 7],
  [{ city: 'Munich', country: 'DE', locale: 'de-DE', timezone: 'Europe/Berlin', phone: (r) => `+49160${digits(r, 7)}` }, 4],
  [{ city: 'Paris', country: 'FR', locale: 'fr-FR', timezone: 'Europe/Paris', phone: (r) => `+336${digits(r, 8)}` }, 7],
  [{ city: 'Lyon', country: 'FR', locale: 'fr-FR', timezone: 'Europe/Paris', phone: (r) => `+337${digits(r, 8)}` }, 3],
  [{ city: 'Amsterdam', country: 'NL', locale: 'nl-NL', timezone: 'Europe/Amsterdam', phone: (r) => `+316${digits(r, 8)}` }, 4],
  [{ city: 'Madrid', country: 'ES', locale: 'es-ES', timezone: 'Europe/Madrid', phone: (r) => `+346${digits(r, 8)}` }, 4],
  [{ city: 'Sydney', country: 'AU', locale: 'en-AU', timezone: 'Australia/Sydney', phone: (r) => `+614${digits(r, 8)}` }, 4],
];

const FEMALE = ['Emma', 'Olivia', 'Sophia', 'Mia', 'Charlotte', 'Amelia', 'Hannah', 'Léa', 'Chloé', 'Lucía', 'Sofia', 'Grace', 'Zoe', 'Nora', 'Ava', 'Isla', 'Maya', 'Elena', 'Julia', 'Anna'];
const MALE = ['Liam', 'Noah', 'Oliver', 'Elijah', 'James', 'Lucas', 'Ben', 'Hugo', 'Mateo', 'Leon', 'Finn', 'Jack', 'Samuel', 'David', 'Daniel', 'Arthur', 'Louis', 'Max', 'Theo', 'Jonas'];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Garcia',
  'Miller',
  'Davis',
  'Martin',
  'Bernard',
  'Dubois',
  'Müller',
  'Schmidt',
  'Fischer',
  'Rossi',
  'Jansen',
  'de Vries',
  'López',
  'Martínez',
  'Taylor',
  'Wilson',
  'Anderson',
  'Thomas',
  'Moore',
  'Clark',
  'Walker',
  'Wright',
  'Kim',
  'Nguyen',
  'Patel',
  'Cohen',
];
const DOMAINS: readonly (readonly [string, number])[] = [
  ['gmail.com', 45],
  ['outlook.com', 15],
  ['yahoo.com', 10],
  ['icloud.com', 12],
  ['proton.me', 3],
  ['example.com', 15],
];

/** A person whose email is unique by `index`, so identity resolution sees one person per customer. */
export function generatePerson(random: Random, index: number, now: number): DemoPerson {
  const gender = random.weighted([
    ['female', 52],
    ['male', 46],
    ['non-binary', 2],
  ] as const);
  const firstName = random.pick(gender === 'male' ? MALE : gender === 'female' ? FEMALE : [...FEMALE, ...MALE]);
  const lastName = random.pick(LAST);
  const place = random.weighted(CITIES);
  const local = `${ascii(firstName)}.${ascii(lastName)}${index}`.toLowerCase();
  // Ages 18 to 75, weighted toward 25-45 like most online shops' customers.
  const age = Math.min(75, Math.max(18, Math.round(random.logNormal(34, 0.28))));
  const birth = new Date(now - (age * 365.25 + random.int(0, 364)) * 86_400_000);
  return {
    firstName,
    lastName,
    email: `${local}@${random.weighted(DOMAINS)}`,
    phone: place.phone(random),
    birthday: birth.toISOString().slice(0, 10),
    gender,
    city: place.city,
    country: place.country,
    locale: place.locale,
    timezone: place.timezone,
  };
}

function ascii(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '');
}
