import { describe, expect, it } from 'vitest';
import { processorExtension } from '../segments/processor-extension.js';
import { loadProcessorExtensions } from './extensions.js';

describe('processor extensions in the processor thread', () => {
  it('loads the extension a module declares, by the module name the host sends', async () => {
    const [spec, ...rest] = await loadProcessorExtensions(['segments']);
    expect(rest).toEqual([]);
    expect(spec?.module).toBe('segments');
    expect(spec?.create).toBe(processorExtension.create);
  });

  it('refuses a name that is not a module folder, and a module without an extension', async () => {
    await expect(loadProcessorExtensions(['../storage'])).rejects.toThrow('is not a module folder');
    await expect(loadProcessorExtensions(['catalog'])).rejects.toThrow('module catalog has no src/catalog/processor-extension.ts to load');
  });
});
