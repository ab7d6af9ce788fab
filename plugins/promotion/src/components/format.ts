import { ResponseError } from '@backstage/errors';

/** The first 12 hex characters of a digest, as people quote it. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Text with every full digest in it cut to its short form, e.g. a deployment's reason. */
export function shortenDigests(text: string): string {
  return text.replace(/sha256:[0-9a-f]{64}/g, shortDigest);
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600e3],
  ['month', 30 * 24 * 3600e3],
  ['day', 24 * 3600e3],
  ['hour', 3600e3],
  ['minute', 60e3],
  ['second', 1e3],
];

/** "3 minutes ago" style text for an ISO time. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  if (Number.isNaN(diff)) return iso;
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') {
      return format.format(Math.round(diff / ms), unit);
    }
  }
  return iso;
}

/** A duration such as "2 h 5 min" or "40 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  }
  return `${Math.round(hours / 24)} d`;
}

/** The message worth showing a person: the server's own words for API errors. */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A burn rate as people quote it: "14.4×", or "no data". */
export function formatBurnRate(value?: number): string {
  return value === undefined ? 'no data' : `${Number(value.toFixed(1))}×`;
}

/** An SLO objective as a percentage without trailing zeros: 0.999 → "99.9%". */
export function formatObjective(objective: number): string {
  return `${(objective * 100).toFixed(3).replace(/\.?0+$/, '')}%`;
}
