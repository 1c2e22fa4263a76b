import { Worker } from 'node:worker_threads';

/*
 * The probe runs on its own thread: on the bench's main thread its timers and responses waited
 * behind the attack clients building 450 KB batches, so the bench's own loop added to what it
 * reported as the server's latency. It is open-loop: a request starts every `intervalMs`
 * whether or not earlier ones answered, so a stall is counted once per request it held up
 * instead of once (coordinated omission), and a request still open at the end counts with the
 * time it has waited so far (a request waiting for a free socket counts from when it was due).
 * It keeps its connections open: Node 20's libuv accepts one connection per loop turn, so 50
 * new connections a second measured the probe's own accept queue (seconds long under load),
 * not how soon the server answers.
 */
const probeSource = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { port, intervalMs } = workerData;
const samples = [];
const open = new Set();
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function probe() {
  const started = performance.now();
  const entry = { started };
  open.add(entry);
  const done = () => {
    if (!open.delete(entry)) return;
    samples.push(performance.now() - started);
  };
  const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent, timeout: 30000 }, (res) => {
    res.resume();
    res.on('end', done);
  });
  req.on('error', done);
  req.on('timeout', () => req.destroy());
}
const timer = setInterval(probe, intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  const now = performance.now();
  for (const entry of open) samples.push(now - entry.started);
  agent.destroy();
  parentPort.postMessage(samples);
});
`;

export interface HealthzProbe {
  /** Stops probing; resolves to every latency (ms), unanswered requests included, ascending. */
  stop(): Promise<number[]>;
}

/**
 * Samples GET /healthz latency from a worker thread every `intervalMs`.
 * @example const probe = startHealthzProbe(port); ...; const samples = await probe.stop();
 */
export function startHealthzProbe(port: number, intervalMs = 20): HealthzProbe {
  const worker = new Worker(probeSource, { eval: true, workerData: { port, intervalMs } });
  return {
    stop: () =>
      new Promise<number[]>((resolve, reject) => {
        worker.once('message', (samples: number[]) => {
          void worker.terminate();
          resolve(samples.sort((a, b) => a - b));
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}
