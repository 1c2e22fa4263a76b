import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clvCommand } from './predict.js';
import { sharedData } from '../../test/helpers/shared-data.js';

const CDNOW = sharedData('cdnow');

/** Runs `rapport clv ...` in-process; returns the exit code, stdout and stderr text. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; last: Record<string, unknown> }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await clvCommand(args);
    const lines = stdout.trim().split('\n');
    const last: Record<string, unknown> = lines.length > 0 && lines[lines.length - 1]?.startsWith('{') ? JSON.parse(lines[lines.length - 1] ?? '{}') : {};
    return { code, stdout, stderr, last };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('rapport clv fit', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fits BG/NBD on the CDNOW event log with the calibration end and prints one JSON line', async () => {
    const result = await run([
      'fit',
      '--model',
      'bgnbd',
      '--transactions',
      `${CDNOW}/cdnow_sample_elog.csv`,
      '--customer-column',
      'sampleid',
      '--amount-column',
      'sales',
      '--calibration-end',
      '1997-09-30',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.last).toMatchObject({ model: 'bgnbd', customers: 2357, converged: true, period: 'week', calibrationEnd: '1997-09-30' });
    expect(Math.abs(Number(result.last.loglik) + 9582.429)).toBeLessThan(5e-4);
    expect(Math.abs(Number(result.last.r) / 0.2426 - 1)).toBeLessThan(0.01);
  });

  it('fits Gamma-Gamma and Pareto/NBD on summaries', async () => {
    const gg = await run(['fit', '--model', 'gammagamma', '--summary', `${CDNOW}/cdnow_customers_summary_with_transactions.csv`]);
    expect(gg.code).toBe(0);
    expect(Math.abs(Number(gg.last.p) - 6.2488)).toBeLessThan(5e-5);
    expect(Math.abs(Number(gg.last.loglik) + 4055.923)).toBeLessThan(5e-4);
    const pareto = await run(['fit', '--model', 'pareto', '--summary', `${CDNOW}/cdnow_customers_summary.csv`]);
    expect(pareto.code).toBe(0);
    expect(pareto.last).toMatchObject({ model: 'pareto', converged: true });
    expect(Math.abs(Number(pareto.last.s) / 0.6061 - 1)).toBeLessThan(0.01);
  });

  it('fits MBG/NBD on the lifetimes summary and BG/BB on the donations patterns', async () => {
    const mbg = await run(['fit', '--model', 'mbgnbd', '--summary', `${CDNOW}/cdnow_customers_summary.csv`]);
    expect(mbg.code).toBe(0);
    expect(Math.abs(Number(mbg.last.r) - 0.525)).toBeLessThan(5e-4);
    expect(Math.abs(Number(mbg.last.b) - 1.614)).toBeLessThan(5e-4);
    const bgbb = await run(['fit', '--model', 'bgbb', '--summary', sharedData('donations-bgbb', 'donations_rf_matrix.csv')]);
    expect(bgbb.code).toBe(0);
    expect(bgbb.last).toMatchObject({ model: 'bgbb', customers: 11_104, converged: true });
    expect(Math.abs(Number(bgbb.last.loglik) + 33225.58)).toBeLessThan(5e-3);
    expect(Math.abs(Number(bgbb.last.alpha) / 1.204 - 1)).toBeLessThan(0.01);
    expect((await run(['fit', '--model', 'bgbb', '--transactions', `${CDNOW}/cdnow_sample_elog.csv`])).stderr).toMatch(/bgbb is fitted on a --summary FILE/);
  });

  it('explains bad input and too little data', async () => {
    expect((await run(['fit', '--model', 'nope', '--summary', 'x.csv'])).stderr).toMatch(/--model must be one of bgnbd, pareto, gammagamma/);
    expect((await run(['fit', '--model', 'bgnbd'])).code).toBe(2);
    expect((await run(['fit', '--model', 'bgnbd', '--summary', '/no/such.csv'])).stderr).toMatch(/no such file/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clv-'));
    dirs.push(dir);
    const small = path.join(dir, 'orders.csv');
    fs.writeFileSync(small, 'customer_id,date,amount\na,2024-01-01,10\na,2024-02-01,12\nb,2024-01-05,8\n');
    const few = await run(['fit', '--model', 'bgnbd', '--transactions', small, '--period', 'day']);
    expect(few.code).toBe(1);
    expect(few.last).toMatchObject({ model: 'bgnbd', status: 'insufficient-data', message: 'not enough history: needs 30 customers, has 2' });
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'customer_id,date,amount\na,01/02/2024,10\n');
    const badRun = await run(['fit', '--model', 'bgnbd', '--transactions', bad]);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toMatch(/line 1: date "01\/02\/2024" in column "date" is not YYYY-MM-DD/);
  });
});
