import pg from 'pg';

/*
 * Vitest global setup: the PostgreSQL variants of the dialect suites run whenever a server
 * answers at the default local address, not only when RAPPORT_TEST_DATABASE_URL is set. It runs
 * once, before the test workers start, and they inherit the variable it sets.
 * RAPPORT_TEST_DATABASE_URL set to another server uses that one; set to '' it opts out.
 */

const variable = 'RAPPORT_TEST_DATABASE_URL';
const defaultUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a PostgreSQL server at `url` accepts a connection and answers a query, within `timeoutMs`. */
async function postgresAnswers(url: string, timeoutMs = 2_000): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(): Promise<void> {
  if (process.env[variable] !== undefined) return;
  const answer = await postgresAnswers(defaultUrl);
  if (answer === true) process.env[variable] = defaultUrl;
  else console.info(`PostgreSQL runs skipped: nothing answered at ${defaultUrl} (${answer}) and ${variable} is not set.`);
}
