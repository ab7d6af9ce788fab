import { ConfigReader } from '@backstage/config';
import { DateTime } from 'luxon';
import type { Calendars } from './calendar';
import { readCalendars } from './readCalendars';

/** Test fixture: the calendars of docs/calendars.md plus edge cases around DST. */
export function exampleCalendars(): Calendars {
  return readCalendars(
    new ConfigReader({
      promotion: {
        calendars: {
          'prod-calendar': {
            timezone: 'Europe/Berlin',
            deny: [
              {
                name: 'friday-afternoon',
                days: ['fri'],
                from: '12:00',
                to: '24:00',
                reason: 'No Friday-afternoon deploys',
              },
              {
                name: 'on-call-handoff',
                days: ['mon', 'tue', 'wed', 'thu', 'fri'],
                from: '09:00',
                to: '10:00',
                reason: 'On-call handoff hour',
              },
              {
                name: 'sunday-maintenance',
                days: ['sun'],
                from: '01:00',
                to: '04:00',
                reason: 'Database maintenance',
              },
            ],
            blackouts: [
              {
                name: 'black-friday',
                start: '2026-11-27T00:00',
                end: '2026-12-01T00:00',
                reason: 'Black Friday weekend',
              },
              {
                name: 'release-freeze',
                start: '2026-12-14T00:00',
                end: '2026-12-18T15:00',
                reason: 'Year-end release freeze',
              },
              {
                name: 'maintenance',
                start: '2026-06-13T00:00',
                end: '2026-06-15T09:30',
                reason: 'Data-centre move',
              },
            ],
          },
          // Rule edges inside the hour Berlin's clocks skip (March) and repeat (October).
          'dst-edges': {
            timezone: 'Europe/Berlin',
            deny: [
              {
                name: 'night',
                days: ['sun'],
                from: '00:00',
                to: '02:30',
                reason: 'Night',
              },
              {
                name: 'late-night',
                days: ['sun'],
                from: '02:45',
                to: '03:30',
                reason: 'Late night',
              },
            ],
          },
          // Only the repeated hour of October frees this rule: clocks jump back out of it.
          'fall-back': {
            timezone: 'Europe/Berlin',
            deny: [
              {
                name: 'late-night',
                days: ['sun'],
                from: '02:45',
                to: '03:30',
                reason: 'Late night',
              },
            ],
          },
          // Chile skips midnight in September, so this rule ends at the jump to 01:00.
          santiago: {
            timezone: 'America/Santiago',
            deny: [
              {
                name: 'saturday-night',
                days: ['sat'],
                from: '22:00',
                to: '24:00',
                reason: 'Saturday night',
              },
            ],
          },
          // Closed from Friday 16:00 to Monday 09:00, so freezes chain across midnights.
          'new-york': {
            timezone: 'America/New_York',
            deny: [
              {
                name: 'after-hours',
                days: ['fri'],
                from: '16:00',
                to: '24:00',
                reason: 'After hours',
              },
              {
                name: 'weekend',
                days: ['sat', 'sun'],
                from: '00:00',
                to: '24:00',
                reason: 'Weekend',
              },
              {
                name: 'before-hours',
                days: ['mon'],
                from: '00:00',
                to: '09:00',
                reason: 'Before hours',
              },
            ],
          },
        },
      },
    }),
  );
}

/** The instant a wall-clock time in a zone names (the first one when the clocks repeat it). */
export function local(text: string, zone: string): Date {
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) {
    throw new Error(`bad test time ${text}`);
  }
  return new Date(
    Math.min(...parsed.getPossibleOffsets().map(d => d.toMillis())),
  );
}
