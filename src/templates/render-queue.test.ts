import { describe, expect, it } from 'vitest';
import { RapportError } from '../shared/errors.js';
import { RenderQueue } from './render-queue.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('RenderQueue', () => {
  it('runs at most perWorkspace renders of one workspace at once, in order, without holding up others', async () => {
    const queue = new RenderQueue({ perWorkspace: 2, previewsPerWorkspace: 10 });
    const started: string[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((entry, index) =>
      queue.run('a', async () => {
        started.push(`a${index}`);
        await entry.promise;
      }),
    );
    const other = queue.run('b', async () => started.push('b0'));
    await other;
    expect(started).toEqual(['a0', 'a1', 'b0']);
    expect(queue.load('a')).toEqual({ running: 2, waiting: 2 });
    gates[1]?.open();
    await runs[1];
    expect(started).toEqual(['a0', 'a1', 'b0', 'a2']);
    for (const entry of gates) entry.open();
    await Promise.all(runs);
    expect(queue.load('a')).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot when a render fails', async () => {
    const queue = new RenderQueue({ perWorkspace: 1, previewsPerWorkspace: 10 });
    await expect(queue.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run('a', async () => 'next')).toBe('next');
  });

  it('refuses previews past the bound with 429 template_render_busy, per workspace', async () => {
    const queue = new RenderQueue({ perWorkspace: 1, previewsPerWorkspace: 2 });
    const hold = gate();
    const held = [queue.admitPreview('a', () => hold.promise), queue.admitPreview('a', () => hold.promise)];
    const refused = await queue.admitPreview('a', async () => 'ran').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RapportError);
    expect(refused instanceof RapportError ? [refused.code, refused.status] : []).toEqual(['template_render_busy', 429]);
    expect(await queue.admitPreview('b', async () => 'ran')).toBe('ran');
    hold.open();
    await Promise.all(held);
    expect(await queue.admitPreview('a', async () => 'ran')).toBe('ran');
  });
});
