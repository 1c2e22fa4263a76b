import { performance } from 'node:perf_hooks';
import { toValue, type Emitter, type Liquid } from 'liquidjs';
import { nextTurn } from '../shared/yield-slices.js';

/** How much one message's render may take. */
export interface RenderLimits {
  /** Render time summed over its slices (lookups waited for inside a slice count too). */
  timeMs: number;
  /** Characters written, over every field and every `capture`. */
  outputChars: number;
  /**
   * Largest single allocation by a filter or range (elements or characters): one such step
   * runs without a checkpoint, so its size bounds how long it holds the loop.
   */
  allocation: number;
  /** Longest stretch a render runs before letting other work in (a macrotask turn). */
  sliceMs: number;
}

export const defaultRenderLimits: RenderLimits = { timeMs: 1000, outputChars: 2_000_000, allocation: 20_000, sliceMs: 5 };

/** Raised when a render passes one of its `RenderLimits`. */
export class RenderLimitError extends Error {
  override name = 'RenderLimitError';
  constructor(
    readonly limit: 'time' | 'output' | 'allocation',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Meters one render: time in slices, output written. The engine calls `checkpoint` between
 * template nodes (every loop iteration passes one); when the slice is used up it returns a
 * promise that resolves on the next macrotask turn, so `/healthz`, other requests and other
 * renders run in between.
 * @example const meter = new RenderMeter(defaultRenderLimits);
 */
export class RenderMeter {
  private usedMs = 0;
  private sliceStart = performance.now();
  private written = 0;
  private started = false;

  constructor(readonly limits: RenderLimits) {}

  checkpoint(): Promise<void> | undefined {
    // A render starting waits its turn like one resuming: renders started in one macrotask
    // (a batch of sends) do not all run their first slice in it.
    if (!this.started) {
      this.started = true;
      return this.pause();
    }
    const slice = performance.now() - this.sliceStart;
    if (this.usedMs + slice > this.limits.timeMs) {
      throw new RenderLimitError('time', `rendering took more than ${this.limits.timeMs} ms; make loops smaller (fewer items, no nested ranges)`);
    }
    if (slice < this.limits.sliceMs) return undefined;
    this.usedMs += slice;
    return this.pause();
  }

  private pause(): Promise<void> {
    // One slice per macrotask turn, shared with every other sliced work (yield-slices.ts).
    return nextTurn().then(() => {
      this.sliceStart = performance.now();
    });
  }

  /** One allocation by a filter or range (liquidjs's memory limit counts the total). */
  allocate(size: number): void {
    if (size > this.limits.allocation) {
      throw new RenderLimitError('allocation', `a range, list or text of ${size} items is larger than the ${this.limits.allocation} one step may build; use smaller ranges and lists`);
    }
  }

  write(chars: number): void {
    this.written += chars;
    if (this.written > this.limits.outputChars) {
      throw new RenderLimitError('output', `the rendering grew past ${this.limits.outputChars} characters; make loops or captured text smaller`);
    }
  }
}

/** Like liquidjs's own emitter (same stringification), counting every character written. */
class MeteredEmitter implements Emitter {
  buffer = '';
  constructor(private readonly meter: RenderMeter) {}
  write(html: unknown): void {
    const text = stringify(html);
    this.meter.write(text.length);
    this.buffer += text;
  }
}

function stringify(value: unknown): string {
  const plain: unknown = toValue(value);
  if (typeof plain === 'string') return plain;
  if (plain === null || plain === undefined) return '';
  if (Array.isArray(plain)) return plain.map(stringify).join('');
  return String(plain);
}

/**
 * Hooks the meter into an engine: every `renderTemplates` (a whole template, each loop body,
 * each capture, each snippet) first passes a checkpoint, and output goes through a metered
 * emitter. A render without a meter in its globals (none of ours) runs unmetered.
 */
export function meterRenders(engine: Liquid, meterOf: (globals: unknown) => RenderMeter | undefined): void {
  const renderer = engine.renderer;
  const original = renderer.renderTemplates.bind(renderer);
  renderer.renderTemplates = function* (templates, ctx, emitter) {
    const meter = meterOf(ctx.globals);
    if (meter === undefined) return yield original(templates, ctx, emitter);
    const pause = ctx.sync ? undefined : meter.checkpoint();
    if (pause !== undefined) yield pause;
    return yield original(templates, ctx, emitter ?? new MeteredEmitter(meter));
  };
}
