/**
 * Several API processes on one port (node:cluster, API_WORKERS): the primary forks the workers,
 * replaces one that dies, and stops them all on `stop`. Each worker is a whole API (startApi) with
 * its own views; they hold only what the model version and the streams give, so every worker
 * answers the same and a replaced one needs no coordination.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';

export interface ApiWorkers {
  /** the address the workers share, once all have listened */
  url: string;
  stop(): Promise<void>;
}

/** In a worker: tells the primary where it listens. */
export function announceListening(url: string): void {
  process.send?.({ type: 'moviereco-api-listening', url });
}

export const isApiWorker = () => cluster.isWorker;

const RESTART_DELAY_MS = 1000;

export async function startApiWorkers({ workers, log }: { workers: number; log: (line: string) => void }): Promise<ApiWorkers> {
  let stopping = false;
  const running = new Set<Worker>();
  const listening = (w: Worker) =>
    new Promise<string>((resolve, reject) => {
      w.on('message', (m: { type?: string; url?: string }) => {
        if (m?.type === 'moviereco-api-listening' && m.url) resolve(m.url);
      });
      w.once('exit', (code) => reject(new Error(`API worker ${w.process.pid} exited with ${code} before it listened`)));
    });
  const fork = () => {
    const w = cluster.fork();
    running.add(w);
    w.once('exit', (code, signal) => {
      running.delete(w);
      if (stopping) return;
      log(`API worker ${w.process.pid} exited (${signal ?? code}); starting another in ${RESTART_DELAY_MS / 1000} s`);
      // a worker that fails at once (the engines down) is not restarted in a tight loop
      setTimeout(() => {
        if (!stopping) listening(fork()).catch((error: unknown) => log((error as Error).message));
      }, RESTART_DELAY_MS);
    });
    return w;
  };
  const urls = await Promise.all(Array.from({ length: workers }, () => listening(fork())));
  return {
    url: urls[0]!,
    async stop() {
      stopping = true;
      await Promise.all(
        [...running].map(async (w) => {
          const exited = once(w, 'exit');
          w.process.kill('SIGTERM');
          await exited;
        }),
      );
    },
  };
}
