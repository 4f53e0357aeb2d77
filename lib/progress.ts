/**
 * Progress of long work (replay, generation, loading): a live line on a terminal, a line every
 * few seconds otherwise (CI logs), and a summary with the throughput at the end.
 */
export interface ProgressOptions {
  label: string;
  /** what is counted, e.g. "events" */
  unit: string;
  total?: number;
  stream?: NodeJS.WriteStream;
  /** minimum time between two printed updates */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  /** adds `n` finished items */
  tick(n?: number): void;
  /** prints the last update and returns the summary line */
  done(extra?: string): string;
  readonly count: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress({ label, unit, total, stream = process.stderr, intervalMs, now = () => performance.now() }: ProgressOptions): Progress {
  const tty = Boolean(stream.isTTY);
  const every = intervalMs ?? (tty ? 250 : 5000);
  const started = now();
  let count = 0;
  let lastPrint = started;
  let lastCount = 0;

  const line = (t: number) => {
    const elapsed = t - started;
    const rate = elapsed > 0 ? (count / elapsed) * 1000 : 0;
    const recent = t > lastPrint ? ((count - lastCount) / (t - lastPrint)) * 1000 : rate;
    if (total) {
      const share = Math.min(1, count / total);
      const width = 24;
      const bar = `${'#'.repeat(Math.round(share * width))}${'-'.repeat(width - Math.round(share * width))}`;
      const eta = rate > 0 ? formatDuration(((total - count) / rate) * 1000) : '?';
      return `${label} [${bar}] ${(share * 100).toFixed(1)}% ${fmt(count)}/${fmt(total)} ${unit}, ${fmt(recent)} ${unit}/s, ETA ${eta}`;
    }
    return `${label} ${fmt(count)} ${unit}, ${fmt(recent)} ${unit}/s, ${formatDuration(elapsed)}`;
  };

  return {
    get count() {
      return count;
    },
    tick(n = 1) {
      count += n;
      const t = now();
      if (t - lastPrint < every) return;
      stream.write(tty ? `\r${line(t)}\x1b[K` : `${line(t)}\n`);
      lastPrint = t;
      lastCount = count;
    },
    done(extra) {
      const t = now();
      const elapsed = t - started;
      const summary = `${label}: ${fmt(count)} ${unit} in ${formatDuration(elapsed)} (${fmt(elapsed > 0 ? (count / elapsed) * 1000 : 0)} ${unit}/s)${extra ? `; ${extra}` : ''}`;
      stream.write(tty ? `\r${summary}\x1b[K\n` : `${summary}\n`);
      return summary;
    },
  };
}
