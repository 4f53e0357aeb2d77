/**
 * Reading values out of a Prometheus text exposition (what `GET /metrics` serves), for the tools
 * and drills that watch the API from outside.
 */

/** The value of an unlabelled series `name`, or NaN when the text has none. */
export function promValue(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** The sum of the series `name` over every line whose labels include all of `labels` (0 when none does). */
export function promSum(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.slice(0, l.lastIndexOf('}')).includes(w)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
