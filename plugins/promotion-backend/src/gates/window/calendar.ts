/** A day of the week as written in config. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Every weekday in ISO order, so `WEEKDAYS[luxonWeekday - 1]` names a day. */
export const WEEKDAYS: readonly Weekday[] = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
];

/** Minutes in a day; `toMinute` may equal it to mean the end of the day ('24:00'). */
export const MINUTES_PER_DAY = 24 * 60;

/** A recurring freeze window: some weekdays, between two local times. */
export interface DenyRule {
  name: string;
  days: Weekday[];
  /** Local time the window opens, in minutes after midnight (inclusive). */
  fromMinute: number;
  /** Local time the window closes, in minutes after midnight (exclusive, at most 1440). */
  toMinute: number;
  reason: string;
}

/** A one-off freeze window between two instants. */
export interface Blackout {
  name: string;
  /** First frozen instant (inclusive). */
  start: Date;
  /** First instant after the blackout (exclusive). */
  end: Date;
  reason: string;
}

/** A named freeze calendar: recurring deny rules and blackouts in one time zone. */
export interface Calendar {
  name: string;
  /** IANA time zone all local times of the calendar are read in. */
  timezone: string;
  deny: DenyRule[];
  blackouts: Blackout[];
}

/** Freeze calendars by name, as read from `promotion.calendars`. */
export type Calendars = Map<string, Calendar>;
