import { describe, expect, it } from 'vitest';
import { ModuleGraphError, orderModules, startModules, stopModules } from './lifecycle.js';
import type { Module } from './module.js';

/** A module that writes what happens to it into `events`. */
function recorded(name: string, dependencies: string[], events: string[], fail?: 'start' | 'stop'): Module {
  return {
    name,
    dependencies,
    start() {
      if (fail === 'start') throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    async stop() {
      events.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} cannot stop`);
    },
  };
}

const names = (modules: readonly Module[]): string[] => modules.map((module) => module.name);
const context = { background: true, processing: true };

describe('module order', () => {
  it('puts every module after the modules it depends on, whatever the list order', () => {
    const events: string[] = [];
    const list = [
      recorded('journeys', ['scheduler', 'channels'], events),
      recorded('channels', ['ingest'], events),
      recorded('scheduler', [], events),
      recorded('ingest', [], events),
      recorded('processor', ['ingest', 'segments'], events),
      recorded('segments', ['channels'], events),
    ];
    expect(names(orderModules(list))).toEqual(['scheduler', 'ingest', 'channels', 'journeys', 'segments', 'processor']);
  });

  it('keeps the list order among independent modules', () => {
    const list = ['c', 'a', 'b'].map((name) => recorded(name, [], []));
    expect(names(orderModules(list))).toEqual(['c', 'a', 'b']);
  });

  it('names the cycle when modules depend on each other', () => {
    const list = [recorded('ingest', [], []), recorded('segments', ['ingest', 'analytics'], []), recorded('analytics', ['journeys'], []), recorded('journeys', ['segments'], [])];
    expect(() => orderModules(list)).toThrow(ModuleGraphError);
    expect(() => orderModules(list)).toThrow('module dependency cycle: segments -> analytics -> journeys -> segments');
  });

  it('names a module that depends on itself', () => {
    expect(() => orderModules([recorded('a', ['a'], [])])).toThrow('module dependency cycle: a -> a');
  });

  it('refuses a dependency missing from the list and a duplicate name', () => {
    expect(() => orderModules([recorded('journeys', ['scheduler'], [])])).toThrow('module "journeys" depends on "scheduler", which is not in the module list');
    expect(() => orderModules([recorded('a', [], []), recorded('a', [], [])])).toThrow('two modules are named "a"');
  });
});

describe('module lifecycle', () => {
  it('starts in dependency order and stops in reverse', async () => {
    const events: string[] = [];
    const ordered = orderModules([recorded('journeys', ['scheduler'], events), recorded('scheduler', [], events), recorded('privacy', ['journeys'], events)]);
    const started = await startModules(ordered, context);
    await stopModules(started);
    expect(events).toEqual(['start scheduler', 'start journeys', 'start privacy', 'stop privacy', 'stop journeys', 'stop scheduler']);
  });

  it('stops the modules already started, in reverse, when one fails to start', async () => {
    const events: string[] = [];
    const ordered = orderModules([recorded('a', [], events), recorded('b', ['a'], events), recorded('c', ['b'], events, 'start'), recorded('d', ['c'], events)]);
    await expect(startModules(ordered, context)).rejects.toThrow('c cannot start');
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('asks every module to stop when one fails, then reports the failure', async () => {
    const events: string[] = [];
    const started = await startModules(orderModules([recorded('a', [], events), recorded('b', ['a'], events, 'stop'), recorded('c', ['b'], events)]), context);
    await expect(stopModules(started)).rejects.toThrow('b cannot stop');
    expect(events.filter((event) => event.startsWith('stop'))).toEqual(['stop c', 'stop b', 'stop a']);
  });

  it('hands every module the whole list, in start order, so collectors see the others', async () => {
    const seen: string[][] = [];
    const collector: Module = { name: 'scheduler', dependencies: [], start: ({ modules }) => void seen.push(names(modules)) };
    await startModules(orderModules([{ name: 'journeys', dependencies: ['scheduler'] }, collector]), context);
    expect(seen).toEqual([['scheduler', 'journeys']]);
  });
});
