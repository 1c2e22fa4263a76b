import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AnalyticsService } from '../analytics/analytics-service.js';
import { AttributionQuery, CohortQuery, FunnelQuery, PeriodQuery, RfmQuery } from '../analytics/queries.js';
import { attributionTables, cohortTables, funnelTables, kpiTables, maturityTables, rfmTables, toCsv, type Table } from '../analytics/tables.js';
import { loadConfig } from '../config/config.js';
import { createRapport } from '../rapport.js';
import { DEFAULT_WORKSPACE } from '../workspaces/workspace-service.js';
import { createProgress, type Progress } from './progress.js';
import { helpText } from './command-help.js';

const USAGE = helpText('analytics');

function parsed<T extends TSchema>(schema: T, text: string | undefined, name: string): unknown {
  let value: unknown = {};
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`--params is not valid JSON: ${text}`);
    }
  }
  const converted = Value.Default(schema, value);
  const error = Value.Errors(schema, converted).First();
  if (error !== undefined) throw new Error(`--params for ${name}: ${error.path || '(root)'} ${error.message}`);
  return converted;
}

async function run(analytics: AnalyticsService, workspace: string, command: string, params: string | undefined): Promise<{ result: object; tables: Table[] }> {
  switch (command) {
    case 'funnel': {
      const query = parsed(FunnelQuery, params, command);
      if (!Value.Check(FunnelQuery, query)) throw new Error('--params does not describe a funnel');
      const result = await analytics.funnel(workspace, query);
      return { result, tables: funnelTables(result) };
    }
    case 'cohorts': {
      const query = parsed(CohortQuery, params, command);
      if (!Value.Check(CohortQuery, query)) throw new Error('--params does not describe cohorts');
      const result = await analytics.cohorts(workspace, query);
      return { result, tables: cohortTables(result) };
    }
    case 'rfm': {
      const query = parsed(RfmQuery, params, command);
      if (!Value.Check(RfmQuery, query)) throw new Error('--params does not describe an RFM run');
      const result = await analytics.rfm(workspace, query);
      return { result, tables: rfmTables(result) };
    }
    case 'attribution': {
      const query = parsed(AttributionQuery, params, command);
      if (!Value.Check(AttributionQuery, query)) throw new Error('--params does not describe an attribution');
      const result = await analytics.attribution(workspace, query);
      return { result, tables: attributionTables(result) };
    }
    case 'kpis': {
      const query = parsed(PeriodQuery, params, command);
      if (!Value.Check(PeriodQuery, query)) throw new Error('--params needs from and to');
      const result = await analytics.kpis(workspace, query);
      return { result, tables: kpiTables(result.lines) };
    }
    case 'maturity': {
      const result = await analytics.maturity(workspace);
      return { result, tables: maturityTables(result) };
    }
    default:
      throw new Error(`unknown analytics command "${command}"\n\n${USAGE}`);
  }
}

/** `rapport analytics ...`: the replica and every analysis from the command line. */
export async function analyticsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workspace: { type: 'string' }, params: { type: 'string' }, csv: { type: 'boolean' }, table: { type: 'string' }, out: { type: 'string' } },
  });
  const [command, tableArg] = positionals;
  if (command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  const workspace = values.workspace ?? DEFAULT_WORKSPACE;
  const rapport = await createRapport(loadConfig(), { processor: 'off', logger: false });
  try {
    return await dispatch(rapport.analytics, workspace, command, tableArg, values);
  } catch (error) {
    // Bad parameters and a replica held by the server are the user's to fix: say what, no stack.
    process.stderr.write(`rapport analytics: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await rapport.close();
  }
}

async function dispatch(
  analytics: AnalyticsService,
  workspace: string,
  command: string,
  tableArg: string | undefined,
  values: { params?: string | undefined; csv?: boolean | undefined; table?: string | undefined; out?: string | undefined },
): Promise<number> {
  {
    if (command === 'status') {
      process.stdout.write(`${JSON.stringify(await analytics.status(), null, 2)}\n`);
      return 0;
    }
    if (command === 'sync' || command === 'rebuild') {
      let bar: Progress | undefined;
      const report =
        command === 'sync'
          ? await analytics.sync()
          : await analytics.rebuild((done, total) => {
              bar ??= createProgress(process.stderr, { label: 'analytics rebuild', total, unit: 'events' });
              bar.update(done);
            });
      bar?.finish();
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const { result, tables } = await run(analytics, workspace, command, values.params);
    let output: string;
    if (values.csv === true) {
      const name = values.table ?? tableArg;
      const table = name === undefined ? tables[0] : tables.find((candidate) => candidate.name === name);
      if (table === undefined) throw new Error(`--table must be one of ${tables.map((candidate) => candidate.name).join(', ')}`);
      output = toCsv(table);
    } else {
      output = `${JSON.stringify(result, null, 2)}\n`;
    }
    if (values.out !== undefined) fs.writeFileSync(values.out, output);
    else process.stdout.write(output);
    return 0;
  }
}
