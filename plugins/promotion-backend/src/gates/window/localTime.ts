import { DateTime, IANAZone } from 'luxon';

/** A calendar date with no zone attached. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const HOUR_MS = 3_600_000;
// No zone changes its offset twice within this step, so sampling at it finds every change.
const SAMPLE_STEP_MS = 3 * HOUR_MS;

/** The local date shown by the zone's wall clock at an instant. */
export function localDateAt(zone: string, instantMs: number): LocalDate {
  const local = DateTime.fromMillis(instantMs, { zone });
  return { year: local.year, month: local.month, day: local.day };
}

/** The date `days` after (or before) `date`; plain calendar arithmetic. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = DateTime.utc(date.year, date.month, date.day).plus({ days });
  return { year: shifted.year, month: shifted.month, day: shifted.day };
}

/**
 * Every instant at which the zone's wall clock shows `minute` after midnight on
 * `date`: none when the clocks skip that time, two when they go back over it.
 */
export function instantsAtLocalTime(
  zone: string,
  date: LocalDate,
  minute: number,
): number[] {
  const wall = {
    ...date,
    hour: Math.floor(minute / 60),
    minute: minute % 60,
  };
  const guess = DateTime.fromObject(wall, { zone });
  // Luxon moves a skipped local time forward; such a time has no instant.
  const exists =
    guess.isValid &&
    guess.day === wall.day &&
    guess.hour === wall.hour &&
    guess.minute === wall.minute;
  return exists ? guess.getPossibleOffsets().map(dt => dt.toMillis()) : [];
}

/** Instants in `(startMs, endMs]` at which the zone's UTC offset changes, to the millisecond. */
export function offsetChanges(
  zone: string,
  startMs: number,
  endMs: number,
): number[] {
  const tz = IANAZone.create(zone);
  const changes: number[] = [];
  let lo = startMs;
  while (lo < endMs) {
    const hi = Math.min(lo + SAMPLE_STEP_MS, endMs);
    const before = tz.offset(lo);
    if (tz.offset(hi) !== before) {
      changes.push(firstInstantWithNewOffset(tz, lo, hi, before));
    }
    lo = hi;
  }
  return changes;
}

function firstInstantWithNewOffset(
  tz: IANAZone,
  lo: number,
  hi: number,
  before: number,
): number {
  let low = lo;
  let high = hi;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (tz.offset(mid) === before) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return high;
}

/** True when luxon (and so the runtime's time-zone data) knows the IANA zone. */
export function isValidTimeZone(zone: string): boolean {
  // Newer ICU (Node 24) also accepts UTC offsets such as '+01:00'; a
  // calendar needs a named zone, whose offset follows daylight saving.
  return !/^[+-]/.test(zone) && IANAZone.isValidZone(zone);
}
