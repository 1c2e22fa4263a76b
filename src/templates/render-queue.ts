import { RapportError } from '../shared/errors.js';

interface Lane {
  running: number;
  waiting: (() => void)[];
}

export interface RenderQueueOptions {
  /** Renders of one workspace running at once. */
  perWorkspace: number;
  /** Previews of one workspace in flight (running or waiting) before more are refused with 429. */
  previewsPerWorkspace: number;
}

/**
 * At most `perWorkspace` renders of one workspace run at a time; the rest wait in order. With
 * renders sliced (see render-budget.ts) this keeps one workspace's heavy templates from taking
 * every turn of the event loop from the others. Sends always wait their turn; previews are
 * admitted through `admitPreview`, which refuses past a bound so an editor (or a script with a
 * token) cannot pile them up.
 * @example const html = await queue.run('ws', () => render());
 */
export class RenderQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly previews = new Map<string, number>();

  constructor(private readonly options: RenderQueueOptions = { perWorkspace: 2, previewsPerWorkspace: 16 }) {}

  async run<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(workspaceId);
    if (lane === undefined) {
      lane = { running: 0, waiting: [] };
      this.lanes.set(workspaceId, lane);
    }
    if (lane.running >= this.options.perWorkspace) {
      const waitIn = lane;
      await new Promise<void>((resolve) => waitIn.waiting.push(resolve));
    } else {
      lane.running += 1;
    }
    try {
      return await work();
    } finally {
      this.release(workspaceId, lane);
    }
  }

  /** Runs a preview (which renders through `run`) unless too many of the workspace's are in flight. */
  async admitPreview<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    const inFlight = this.previews.get(workspaceId) ?? 0;
    if (inFlight >= this.options.previewsPerWorkspace) {
      throw new RapportError('template_render_busy', `this workspace already has ${inFlight} previews rendering or waiting; retry when they are done`);
    }
    this.previews.set(workspaceId, inFlight + 1);
    try {
      return await work();
    } finally {
      const left = (this.previews.get(workspaceId) ?? 1) - 1;
      if (left <= 0) this.previews.delete(workspaceId);
      else this.previews.set(workspaceId, left);
    }
  }

  /** Renders of a workspace running and waiting. */
  load(workspaceId: string): { running: number; waiting: number } {
    const lane = this.lanes.get(workspaceId);
    return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 };
  }

  private release(workspaceId: string, lane: Lane): void {
    const next = lane.waiting.shift();
    // The slot passes straight to the next in line; `running` is unchanged.
    if (next !== undefined) {
      next();
      return;
    }
    lane.running -= 1;
    if (lane.running === 0) this.lanes.delete(workspaceId);
  }
}
