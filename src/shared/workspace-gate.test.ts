import { describe, expect, it } from 'vitest';
import { isGateFull, WorkspaceGate } from './workspace-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('WorkspaceGate', () => {
  it('runs two per key, queues the next ones in order and turns away the rest', async () => {
    const gate = new WorkspaceGate({ concurrency: 2, queue: 2, retryAfterSeconds: 3 });
    const release = deferred();
    const started: number[] = [];
    const runs = [0, 1, 2, 3].map((n) =>
      gate.run('ws', async () => {
        started.push(n);
        await release.promise;
        return n;
      }),
    );
    const refused = await gate.run('ws', async () => 'never');
    expect(isGateFull(refused) && refused.retryAfterSeconds).toBe(3);
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(gate.load('ws')).toEqual({ running: 2, waiting: 2 });
    // Another workspace is not held up by this one.
    expect(await gate.run('other', async () => 'free')).toBe('free');
    release.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(gate.load('ws')).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot when a task throws', async () => {
    const gate = new WorkspaceGate({ concurrency: 1, queue: 0 });
    await expect(gate.run('ws', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('ws', async () => 'next')).toBe('next');
  });
});
