import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoAxeViolations, newPage, screenshot, signIn, startAppWorld, type AppWorld } from './harness.js';

/*
 * The experiment definition form in Chromium against a real server: a marketer creates a draft
 * without writing JSON (weights checked as typed, the API's 400 shown beside the field it names),
 * edits it, and a save over someone else's edit is refused with reload / overwrite; in Arabic
 * (right to left) and Japanese too.
 */

let world: AppWorld;
type Stored = { id: string; key: string; name: string; status: string; updatedAt: string; definition: Record<string, unknown> & { variants: { key: string; weight: number }[] } };
const stored = async (key: string) => (await world.adminCall('GET', '/api/v1/experiments')).json<{ experiments: Stored[] }>().experiments.find((entry) => entry.key === key);

beforeAll(async () => {
  world = await startAppWorld({ demo: false });
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

describe('experiment editor', () => {
  it('creates a draft from the form, with per-field messages, and edits it with a conflict check', async () => {
    const { context, page } = await newPage(world);
    await signIn(page, undefined, '/experiments');
    await page.getByRole('link', { name: 'New experiment' }).click();
    await page.getByRole('heading', { name: 'New experiment' }).waitFor();
    await page.getByLabel('Key', { exact: true }).fill('checkout copy');
    await page.getByLabel('Name', { exact: true }).fill('Checkout button copy');
    await page.getByLabel('Variant 2 weight (%)').fill('60');
    // Weights are checked as typed: 50 + 60 is not 100, and the form is not sent.
    await page.getByText('The weights add up to 110%; make them add up to 100%.').waitFor();
    expect(await page.getByRole('button', { name: 'Create draft' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Add variant' }).click();
    await page.getByLabel('Variant 3 key').fill('urgent');
    await page.getByLabel('Variant 1 weight (%)').fill('20');
    await page.getByLabel('Variant 3 weight (%)').fill('20');
    await page.getByLabel('Variant 2 name (optional)').fill('Pay now');
    await page.getByLabel('Event', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Create draft' }).click();
    // The API refuses the key's space and the empty event; each message stands by its input.
    await page.locator('.field.invalid').first().waitFor();
    const invalid = await page.locator('.field.invalid label').allTextContents();
    expect(invalid).toEqual(expect.arrayContaining(['Key']));
    expect(await stored('checkout copy')).toBeUndefined();
    await expectNoAxeViolations(page);
    await screenshot(page, 'experiment-editor-invalid-1440-en');
    await page.getByLabel('Key', { exact: true }).fill('checkout-copy');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.locator('.field.invalid label', { hasText: 'Event' }).waitFor();
    await page.getByLabel('Event', { exact: true }).fill('Order Completed');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { name: 'Checkout button copy' }).waitFor();
    const created = await stored('checkout-copy');
    expect(created).toMatchObject({ status: 'draft', name: 'Checkout button copy' });
    expect(created?.definition.variants).toEqual([
      { key: 'control', weight: 0.2 },
      { key: 'treatment', name: 'Pay now', weight: 0.6 },
      { key: 'urgent', weight: 0.2 },
    ]);
    expect(created?.definition).toMatchObject({ primaryMetric: 'purchase', traffic: 1, metrics: [{ id: 'purchase', kind: 'conversion', event: 'Order Completed' }] });

    // Editing: someone else saves meanwhile; the save is refused and neither edit is lost.
    await page.getByRole('link', { name: 'Edit' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    expect(await page.getByLabel('Key', { exact: true }).getAttribute('readonly')).not.toBeNull();
    const theirs = await world.adminCall('PUT', `/api/v1/experiments/${created?.id ?? ''}`, { ...created?.definition, key: 'checkout-copy', name: 'Their copy test' });
    expect(theirs.statusCode, theirs.body).toBe(200);
    await name.fill('My copy test');
    await page.getByLabel('Traffic in the experiment (%)').fill('50');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else saved this experiment' });
    await conflict.waitFor();
    expect((await stored('checkout-copy'))?.name).toBe('Their copy test');
    expect(await name.inputValue()).toBe('My copy test');
    await expectNoAxeViolations(page);
    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await page.getByRole('heading', { name: 'My copy test' }).waitFor();
    expect(await stored('checkout-copy')).toMatchObject({ name: 'My copy test', definition: { traffic: 0.5, variants: [{ key: 'control' }, { key: 'treatment' }, { key: 'urgent' }] } });
    await context.close();
  }, 120_000);

  it('reads right to left in Arabic and in Japanese, and loads their version on a conflict', async () => {
    const experiment = await stored('checkout-copy');
    const arabic = await newPage(world, { locale: 'ar' });
    await signIn(arabic.page, undefined, `/experiments/${experiment?.id ?? ''}/edit?lang=ar`);
    await arabic.page.getByRole('heading', { name: 'تعديل My copy test' }).waitFor();
    expect(await arabic.page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect((await world.adminCall('PUT', `/api/v1/experiments/${experiment?.id ?? ''}`, { ...experiment?.definition, key: 'checkout-copy', name: 'اختبارهم' })).statusCode).toBe(200);
    await arabic.page.getByLabel('وزن النسخة 1 (%)').fill('30');
    await arabic.page.getByText('مجموع الأوزان 110%؛ اجعله 100%.').waitFor();
    await arabic.page.getByLabel('وزن النسخة 2 (%)').fill('50');
    await arabic.page.getByRole('button', { name: 'حفظ', exact: true }).click();
    const alert = arabic.page.getByRole('alert').filter({ hasText: 'حفظ شخص آخر هذه التجربة' });
    await alert.waitFor();
    await expectNoAxeViolations(arabic.page);
    await screenshot(arabic.page, 'experiment-editor-conflict-1440-ar');
    await alert.getByRole('button', { name: 'حمّل نسختهم' }).click();
    await expect.poll(() => arabic.page.getByLabel('الاسم', { exact: true }).inputValue()).toBe('اختبارهم');
    expect(await arabic.page.getByLabel('وزن النسخة 1 (%)').inputValue()).toBe('20');
    await arabic.context.close();

    const japanese = await newPage(world, { locale: 'ja' });
    await signIn(japanese.page, undefined, '/experiments/new?lang=ja');
    await japanese.page.getByRole('heading', { name: '新しい実験' }).waitFor();
    await japanese.page.getByLabel('バリアント 2 の重み（%）').waitFor();
    await expectNoAxeViolations(japanese.page);
    await screenshot(japanese.page, 'experiment-editor-new-1440-ja');

    // A goal the form does not describe (a ratio) is kept as it is when the rest is edited.
    const ratio = {
      id: 'aov',
      kind: 'ratio',
      numerator: { event: 'Order Completed', valueProperty: 'revenue' },
      denominator: { event: 'Order Completed' },
    };
    const made = await world.adminCall('POST', '/api/v1/experiments', {
      key: 'aov-test',
      name: 'AOV test',
      variants: [
        { key: 'control', weight: 0.5 },
        { key: 'b', weight: 0.5 },
      ],
      metrics: [ratio, { id: 'purchase', kind: 'conversion', event: 'Order Completed' }],
      targeting: { type: 'trait', key: 'country', op: 'equals', value: 'JP' },
    });
    expect(made.statusCode, made.body).toBe(201);
    const before = await stored('aov-test');
    expect(before?.definition.targeting).toBeDefined();
    await japanese.page.goto(`/experiments/${made.json<{ id: string }>().id}/edit?lang=ja`);
    await japanese.page.getByText('目標は比率指標のため').waitFor();
    await japanese.page.getByLabel('名前', { exact: true }).fill('AOV テスト');
    await japanese.page.getByRole('button', { name: '保存', exact: true }).click();
    await japanese.page.getByRole('heading', { name: 'AOV テスト' }).waitFor();
    const kept = await stored('aov-test');
    expect(kept?.name).toBe('AOV テスト');
    expect(kept?.definition.metrics).toEqual(before?.definition.metrics);
    expect(kept?.definition).toMatchObject({ metrics: [{ id: 'aov', kind: 'ratio' }, { id: 'purchase' }], primaryMetric: 'aov' });
    expect(kept?.definition.targeting).toEqual(before?.definition.targeting);
    await japanese.context.close();
  }, 120_000);
});
