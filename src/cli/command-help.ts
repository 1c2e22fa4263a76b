import { recipes } from '../journeys/index.js';
import { evalStrategyNames } from '../recommendations/index.js';
import { renderCommandHelp, type CommandHelp, type OptionHelp } from './help.js';

const workspace: OptionHelp = ['-w, --workspace W', 'the workspace (default "default")'];
const analyticsParams: readonly OptionHelp[] = [
  ['--params JSON', 'the analysis parameters, as in the API (/api/v1/analytics/...)'],
  ['--from DATE, --to DATE', 'the period (default the last 30 days): 2026-11-01, 2026-11-01T18:00:00Z, 7d, 24h, today, yesterday, last-week, this-month, last-month'],
  ['--period P', 'instead of --from/--to: 7d, 24h, today, yesterday, this-week, last-week, this-month, last-month'],
  ['--csv [TABLE]', 'print one result table as CSV instead of JSON (the first unless TABLE or --table names one)'],
  ['--table NAME', 'which table --csv prints'],
  ['--out FILE', 'write to FILE instead of standard output'],
];

/**
 * Every CLI command, its actions, options and examples: the one source of `--help`. The runner
 * table in cli.ts is typed by these names, so a new command without help does not compile.
 */
export const commandHelp = {
  start: {
    summary: 'run the server (ingest, admin API, processor, scheduler) on PORT (default 4000)',
    details:
      'On first start it creates the workspace "default" and prints its write key and an admin token (shown once).\nData lives in RAPPORT_DATA_DIR (default ./data) or in PostgreSQL when RAPPORT_DATABASE_URL is set.',
    options: [['--role api|worker|all', 'api: HTTP and ingest only; worker: processor, followers and jobs (partitions leased on PostgreSQL); all (default): both']],
    examples: ['start', 'RAPPORT_DATA_DIR=/var/lib/rapport PORT=8080 rapport start', 'RAPPORT_DATABASE_URL=postgres://... rapport start --role worker'],
  },
  migrate: {
    summary: 'apply pending database migrations and exit',
    examples: ['migrate'],
  },
  keys: {
    summary: 'list write keys and admin tokens; create or revoke them',
    args: '[<action>] [options]',
    options: [
      ['--scopes read,write,admin', 'create-token: what the token may do (default all three; read cannot change anything)'],
      ['--scopes track,identify,import,onsite', 'create-key: what the source may send (default all four, as before scopes)'],
      ['--expires 30d|12h|ISO-8601', 'create-token, create-key: when the credential stops working (default never)'],
      workspace,
    ],
    actions: {
      list: { summary: 'write keys (shown) and admin tokens (stored hashed, never shown again)', example: 'keys list' },
      'create-key': { args: 'NAME', summary: 'create a write key for a new source and print it', example: 'keys create-key "Storefront"' },
      'create-token': { args: 'NAME', summary: 'create an admin token and print it (once)', example: 'keys create-token "Ops laptop"' },
      'revoke-key': { args: 'ID', summary: 'revoke a write key by its id', example: 'keys revoke-key src_1a2b3c4d' },
      'revoke-token': { args: 'ID', summary: 'revoke an admin token by its id', example: 'keys revoke-token tok_1a2b3c4d' },
    },
    examples: ['keys', 'keys create-token "Dashboard"', 'keys create-token "Reporting" --scopes read --expires 90d', 'keys create-key "Backfill" --scopes import --expires 7d'],
  },
  import: {
    summary: 'bulk import customers, orders, products or events from CSV or NDJSON (optionally .gz)',
    args: 'customers|orders|products|events FILE [options]',
    options: [
      ['--format csv|ndjson', 'the file format when the extension does not say (.csv, .ndjson, .jsonl)'],
      ['--default-country XX', 'ISO country for phone numbers without a country code'],
      workspace,
    ],
    examples: ['import customers customers.csv', 'import events events.ndjson.gz --workspace shop-eu'],
  },
  replay: {
    summary: 'rebuild all derived state (profiles, identities, timelines) from the event log',
    options: [workspace],
    examples: ['replay'],
  },
  demo: {
    summary: 'a demo shop: history that ends now, a starter setup, and a live stream of shoppers (--live)',
    args: '[options]',
    details:
      'Generates a synthetic shop (catalog, customers, visits, carts, orders, email engagement) whose history ends now,\n' +
      'and installs a starter setup (segments, the abandoned-cart, welcome, price-drop and win-back journeys, an A/B test)\n' +
      "unless --bare. With a server running it goes through the server's API (/v1/batch with the workspace's write key);\n" +
      'otherwise it writes in-process. --live keeps shoppers, carts, orders, email opens and catalog changes flowing\n' +
      'into the running server until Ctrl-C. Running it again adds nothing twice. See docs/demo.md for a 10-minute tour.',
    options: [
      ['--customers N', 'registered customers (default 500); anonymous visitors come on top'],
      ['--days N', 'days of history (default 180)'],
      ['--end DATE', 'when the history ends (default now), e.g. 2026-11-30 or 2026-11-30T18:00:00Z'],
      ['--seed S', 'the random seed (default 1): the same seed and end give the same shop'],
      ['--live', 'after the history, stream live traffic to the running server until stopped (Ctrl-C)'],
      ['--rate N', 'live: new sessions per minute (default 40)'],
      ['--duration SECONDS', 'live: stop after this many seconds instead of waiting for Ctrl-C'],
      ['--bare', 'install no starter segments, journeys or experiment'],
      ['--url URL', 'the server (default http://HOST:PORT from the configuration)'],
      workspace,
    ],
    examples: ['demo', 'demo --live', 'demo --days 90 --end 2026-11-30 --customers 2000 --bare'],
  },
  segments: {
    summary: 'segments and audiences: list, create, estimate, members, explain, static lists',
    args: '<action> [options]',
    options: [workspace],
    actions: {
      list: { summary: 'every segment with members and status', example: 'segments list' },
      show: { args: 'ID', summary: 'one segment as JSON', example: 'segments show seg_123' },
      create: {
        args: 'NAME --condition JSON|@FILE',
        summary: 'create a live segment and backfill it (progress bar)',
        options: [['--condition JSON|@FILE', 'the condition tree, inline or from a file (see docs/segments.md)']],
        example: `segments create "Bought twice" --condition '{"type":"computed","key":"orders","op":"gte","value":2}'`,
      },
      edit: {
        args: 'ID [--name N] [--condition JSON|@FILE]',
        summary: 'rename a segment or change its condition (backfills again)',
        options: [
          ['--name N', 'the new name'],
          ['--condition JSON|@FILE', 'the new condition'],
        ],
        example: 'segments edit seg_123 --name "Repeat buyers"',
      },
      estimate: {
        args: '--condition JSON|@FILE',
        summary: 'size and a sample of a condition before saving it',
        options: [['--condition JSON|@FILE', 'the condition tree']],
        example: `segments estimate --condition '{"type":"device","devices":["mobile"]}'`,
      },
      retargeting: { args: 'DAYS', summary: 'audience: visited in the last DAYS days', example: 'segments retargeting 30' },
      static: { args: 'NAME', summary: 'create an empty static list', example: 'segments static "VIP guests"' },
      upload: {
        args: 'ID FILE.csv [--replace]',
        summary: 'members of a static list from CSV (profile_id, user_id, email, phone...)',
        options: [['--replace', 'replace the members instead of adding']],
        example: 'segments upload seg_123 guests.csv --replace',
      },
      members: { args: 'ID [--csv]', summary: 'list members (or stream them as CSV)', options: [['--csv', 'every member as CSV']], example: 'segments members seg_123 --csv > members.csv' },
      explain: { args: 'ID PROFILE_ID', summary: 'why a profile is (not) in a segment, condition by condition', example: 'segments explain seg_123 prf_456' },
      delete: { args: 'ID', summary: 'delete a segment (refused while other segments use it)', example: 'segments delete seg_123' },
      backfill: { summary: 'run pending backfills to the end', example: 'segments backfill' },
    },
    examples: ['segments list', 'segments members seg_123 --csv'],
  },
  recs: {
    summary: 'recommendations: offline evaluation on a file, training a workspace',
    args: '<action> [options]',
    actions: {
      eval: {
        args: '--file F --protocol loo|time --strategy S [options]',
        summary: 'evaluate a strategy on an interaction file; prints the metrics as one JSON line',
        options: [
          ['--file F', 'interactions (repeat for several files)'],
          ['--protocol loo|time', 'leave-one-out or a time split (default loo)'],
          ['--strategy S', `one of ${evalStrategyNames.join(', ')} (default for-you)`],
          ['--k N', 'cut-off for the metrics (repeatable, default 10)'],
          ['--format sequences|csv|baskets', 'the file format when the extension does not say'],
          ['--mask-history true|false', 'leave out items the user already had'],
          ['--fit-on train|history', 'what the model is fitted on'],
          ['--target test|validation', 'which held-out part is scored'],
          ['--train-share S', 'time split: share of interactions for training (default 0.8)'],
          ['--user-col C --item-col C --time-col C', 'CSV column names'],
        ],
        example: 'recs eval --file Beauty.txt.gz --protocol loo --strategy for-you --k 10 --k 20',
      },
      train: { summary: 'train every strategy of the workspace from its events and catalog; prints the model report', options: [workspace], example: 'recs train' },
    },
    examples: ['recs train', 'recs eval --file ratings.csv --protocol time --strategy popular'],
  },
  predict: {
    summary: 'refit CLV, churn, propensity, next-order and stock-out models now and write profile scores',
    options: [workspace],
    examples: ['predict'],
  },
  clv: {
    summary: 'fit BG/NBD, Pareto/NBD, MBG/NBD, BG/BB or Gamma-Gamma on a file',
    args: 'fit [options]',
    actions: {
      fit: {
        args: '--model M (--transactions FILE | --summary FILE) [options]',
        summary: 'fit a model on orders or a summary; prints one JSON line with parameters and log-likelihood',
        options: [
          ['--model M', 'bgnbd, pareto, gammagamma, mbgnbd or bgbb'],
          ['--transactions FILE', 'CSV (or .csv.gz) of orders: customer id, date, amount'],
          ['--summary FILE', 'CSV with x, t_x, T (and monetary); for bgbb x, t_x, n, weight'],
          ['--period week|day', 'the time unit (default week)'],
          ['--calibration-end YYYY-MM-DD', 'fit on orders up to this day (inclusive)'],
          ['--customer-column --date-column --amount-column NAME', 'CSV column names'],
        ],
        example: 'clv fit --model bgnbd --summary cdnow.csv',
      },
    },
    examples: ['clv fit --model bgnbd --transactions orders.csv --period week'],
  },
  experiments: {
    summary: 'A/B tests: create, start, stop, promote, results, power',
    args: '<action> [options]',
    options: [workspace],
    actions: {
      list: { summary: 'experiments with status and winner', example: 'experiments list' },
      create: {
        args: '--file F.json',
        summary: 'create a draft from a definition',
        options: [['--file F.json', 'the experiment definition (see docs)']],
        example: 'experiments create --file hello-bar.json',
      },
      start: { args: 'KEY', summary: 'start assigning units', example: 'experiments start hello-bar' },
      stop: { args: 'KEY', summary: 'stop assigning (everyone gets the control)', example: 'experiments stop hello-bar' },
      promote: { args: 'KEY VARIANT', summary: 'complete the experiment and roll VARIANT out to everyone', example: 'experiments promote hello-bar treatment' },
      results: { args: 'KEY', summary: 'results, warnings and verdict as one JSON line (auto-promotes when the rule is met)', example: 'experiments results hello-bar' },
      evaluate: { summary: "rebalance running bandits and read every running experiment's results", example: 'experiments evaluate' },
      power: {
        args: '--baseline P [--effect E] [--units N] [--alpha A] [--power B]',
        summary: 'units per variant to detect a relative effect, or the smallest detectable effect',
        options: [
          ['--baseline P', 'the control conversion rate, 0 to 1'],
          ['--effect E', 'the relative effect to detect, e.g. 0.1 for +10%'],
          ['--units N', 'units per variant you have'],
          ['--alpha A', 'significance level (default 0.05)'],
          ['--power B', 'power (default 0.8)'],
        ],
        example: 'experiments power --baseline 0.05 --effect 0.1',
      },
    },
    examples: ['experiments list', 'experiments results hello-bar'],
  },
  onsite: {
    summary: 'on-site campaigns: list, create, show, pause, resume, report, starters',
    args: '<action> [options]',
    details: 'A running server serves a change to the SDK with its next configuration request (the config is recompiled once per change).',
    options: [workspace],
    actions: {
      list: { summary: 'campaigns with status, type, priority and name', example: 'onsite list' },
      create: {
        args: '--file F.json [--activate]',
        summary: 'create a campaign (a draft unless --activate); every invalid field is named by its path',
        options: [
          ['--file F.json', 'the campaign definition (docs/modules/onsite.md)'],
          ['--activate', 'make it active at once (live within its schedule)'],
        ],
        example: 'onsite create --file exit-intent.json --activate',
      },
      show: { args: 'ID', summary: 'one campaign as JSON', example: 'onsite show osc_1a2b3c' },
      pause: { args: 'ID', summary: 'stop showing it (the SDK drops it on its next config request)', example: 'onsite pause osc_1a2b3c' },
      resume: { args: 'ID', summary: 'activate a draft or paused campaign', example: 'onsite resume osc_1a2b3c' },
      report: {
        args: '[ID] [--from DATE] [--to DATE]',
        summary: 'impressions, CTR, submissions, conversions, revenue per visitor and uplift against the holdout (JSON)',
        options: [
          ['--from DATE, --to DATE', 'the period (ISO dates; default the last 90 days)'],
          ['--table', 'a table per template type instead of JSON'],
        ],
        example: 'onsite report --table',
      },
      starters: {
        args: '[--install] [--activate]',
        summary: 'the starter campaigns; --install creates them (and their coupon pools) once',
        options: [
          ['--install', 'create the starters that do not exist yet'],
          ['--activate', 'with --install: make them live'],
        ],
        example: 'onsite starters --install --activate',
      },
    },
    examples: ['onsite list', 'onsite report --table', 'onsite starters --install --activate'],
  },
  journeys: {
    summary: 'journeys: list, create, recipes, lifecycle, reports and dry runs',
    args: '<action> [options]',
    details: 'A running server picks up changes made here within a second.',
    options: [workspace],
    actions: {
      list: { summary: 'journeys with status and version', example: 'journeys list' },
      show: { args: 'ID', summary: 'the definition as JSON', example: 'journeys show jny_123' },
      create: { args: 'FILE', summary: 'create a draft from a JSON definition file', example: 'journeys create welcome.json' },
      recipe: {
        args: 'NAME [--activate] [options]',
        summary: `create a ready journey (${Object.keys(recipes).join(', ')}) with the templates and coupon pools it needs`,
        options: [
          ['--activate', 'activate it right away'],
          ['--template ROLE=ID', 'use an existing template for a role (repeatable)'],
          ['--coupon ROLE=ID', 'use an existing coupon pool for a role (repeatable)'],
          ['--start-at ISO', 'scheduled recipes: the first run'],
          ['--currency EUR', 'currency of fixed-amount coupons (default USD)'],
        ],
        example: 'journeys recipe abandoned-cart --activate',
      },
      activate: { args: 'ID', summary: 'start entering profiles', example: 'journeys activate jny_123' },
      pause: { args: 'ID', summary: 'stop entering and hold runs where they are', example: 'journeys pause jny_123' },
      resume: { args: 'ID', summary: 'continue a paused journey', example: 'journeys resume jny_123' },
      archive: { args: 'ID', summary: 'end the journey for good', example: 'journeys archive jny_123' },
      report: {
        args: 'ID [--window-days N]',
        summary: 'entered, in progress, exits, sends and conversions, per node',
        options: [['--window-days N', 'only the last N days']],
        example: 'journeys report jny_123 --window-days 7',
      },
      'dry-run': {
        args: 'ID PROFILE [--assume EVENT]...',
        summary: 'each step the journey would take for one profile, and when',
        options: [['--assume EVENT', 'pretend the profile does EVENT when the journey waits for it (repeatable)']],
        example: 'journeys dry-run jny_123 prf_456 --assume "Order Completed"',
      },
      enter: {
        args: 'ID PROFILE [--key K]',
        summary: 'enter one profile (API trigger)',
        options: [['--key K', 'entry key, for journeys entered once per key']],
        example: 'journeys enter jny_123 prf_456',
      },
      'dead-jobs': { summary: 'dead-lettered scheduler jobs with their reasons', example: 'journeys dead-jobs' },
    },
    examples: ['journeys list', 'journeys recipe abandoned-cart --activate'],
  },
  channels: {
    summary: 'templates, sends, coupons, suppression, erasure and export',
    args: '<action> [options]',
    options: [workspace],
    actions: {
      status: { summary: 'configured channels and the VAPID public key', example: 'channels status' },
      starters: { summary: 'starter templates (install one with install-starter KEY)', example: 'channels starters' },
      'install-starter': { args: 'KEY', summary: 'create a template from a starter', example: 'channels install-starter cart_reminder' },
      preview: { args: 'TEMPLATE PROFILE', summary: 'render a template for a profile (nothing is sent)', example: 'channels preview cart-reminder prf_456' },
      'test-send': { args: 'TEMPLATE PROFILE TO', summary: 'send the rendering to a test address', example: 'channels test-send cart-reminder prf_456 me@example.com' },
      send: {
        args: 'TEMPLATE PROFILE --channel C --key K [--coupon POOL] [--transactional]',
        summary: 'send one message to a profile',
        options: [
          ['--channel C', 'email, sms, push, webhook or inbox'],
          ['--key K', 'idempotency key: a retry with the same key sends nothing'],
          ['--coupon POOL', 'issue a personal code from this pool'],
          ['--transactional', 'not marketing (no marketing consent needed)'],
        ],
        example: 'channels send cart-reminder prf_456 --channel email --key order-42-reminder',
      },
      messages: {
        args: '[--profile P] [--status S]',
        summary: 'the message log, newest first',
        options: [
          ['--profile P', "one profile's messages"],
          ['--status S', 'only messages in this status (sent, failed, opened, ...)'],
        ],
        example: 'channels messages --status failed',
      },
      'coupons-generate': { args: 'POOL COUNT', summary: 'generate unguessable codes into a pool', example: 'channels coupons-generate cart-10-off 500' },
      'coupons-report': { summary: 'issued vs redeemed vs revenue per pool', example: 'channels coupons-report' },
      suppress: { args: 'CHANNEL ADDRESS REASON', summary: 'add to the suppression list (bounced|complained|unsubscribed|manual)', example: 'channels suppress email someone@example.com manual' },
      erase: {
        args: 'PROFILE --reason R',
        summary: 'erase a person (waits for the job; prints rows per table)',
        options: [['--reason R', 'why, for the audit trail']],
        example: 'channels erase prf_456 --reason "ticket 42"',
      },
      export: {
        args: 'PROFILE [--out FILE]',
        summary: 'export everything held about a person as JSON',
        options: [['--out FILE', 'write to FILE (mode 600)']],
        example: 'channels export prf_456 --out person.json',
      },
    },
    examples: ['channels status', 'channels messages --profile prf_456'],
  },
  analytics: {
    summary: 'analytics replica and analyses: status, sync, rebuild, funnel, cohorts, rfm, attribution, kpis, maturity',
    args: '<action> [options]',
    details:
      'With a server running, every action goes through its API (the server owns the replica <RAPPORT_DATA_DIR>/analytics.duckdb);\nwithout one, the replica is opened in this process. Periods default to the last 30 days (see docs/cli.md).',
    options: [workspace],
    actions: {
      status: { summary: 'the replica: events copied, lag behind the processor', example: 'analytics status' },
      sync: { summary: 'copy what the processor applied since the last pass', example: 'analytics sync' },
      rebuild: { summary: 'drop the replica and copy the whole event log again (progress bar)', example: 'analytics rebuild' },
      funnel: {
        args: '[--steps A,B,C] [--from DATE] [--to DATE] [--params JSON] [--csv [TABLE]] [--out FILE]',
        summary: 'a funnel: per-step conversion, drop-off, time to convert (default steps Product Viewed, Product Added, Order Completed)',
        options: [['--steps A,B,C', 'the event names of the steps, 2 to 10, separated by commas'], ...analyticsParams],
        example: `analytics funnel --steps "Product Viewed,Order Completed" --from last-month`,
      },
      cohorts: {
        args: '--params JSON [--csv [TABLE]] [--out FILE]',
        summary: 'cohorts by first purchase, signup or first visit',
        options: analyticsParams,
        example: `analytics cohorts --params '{}' --csv`,
      },
      rfm: {
        args: '--params JSON [--csv [TABLE]] [--out FILE]',
        summary: 'RFM scores and groups; {"write":true} stores rfm_recency, rfm_frequency, rfm_monetary, rfm_group on profiles',
        options: analyticsParams,
        example: `analytics rfm --params '{"write":true}'`,
      },
      attribution: {
        args: '--params JSON [--csv [TABLE]] [--out FILE]',
        summary: 'orders, revenue and conversion per channel, source or campaign',
        options: analyticsParams,
        example: 'analytics attribution --from 2026-11-01 --to 2026-11-30',
      },
      kpis: {
        args: '[--from DATE] [--to DATE] [--period P] [--csv [TABLE]] [--out FILE]',
        summary: 'KPI report for a period (default the last 30 days) against the reference values',
        options: analyticsParams,
        example: 'analytics kpis --period last-month',
      },
      maturity: { args: '[--csv [TABLE]] [--out FILE]', summary: 'digital maturity stage and next steps', options: analyticsParams, example: 'analytics maturity' },
    },
    examples: ['analytics status', `analytics rfm --params '{"write":true}'`],
  },
  help: {
    summary: 'this overview; "rapport help <command>" is the same as "rapport <command> --help"',
    args: '[<command> [<action>]]',
    examples: ['help', 'help segments create'],
  },
} satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof commandHelp;

export function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(commandHelp, name);
}

/**
 * The help text of a command (for the `help` action and usage errors inside a command).
 * @example process.stdout.write(helpText('segments'));
 */
export function helpText(name: CommandName, action?: string): string {
  const help: CommandHelp = commandHelp[name];
  return renderCommandHelp(name, help, action).trimEnd();
}
