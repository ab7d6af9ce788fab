import { render, screen } from '@testing-library/react';
import {
  CalendarNote,
  formatInZones,
  formatPeriodInZones,
} from './CalendarNote';

describe('formatInZones', () => {
  it("names the calendar's zone, then the viewer's time on the same day", () => {
    expect(
      formatInZones(
        '2026-12-11T14:00:00.000Z',
        'Europe/Berlin',
        'America/New_York',
      ),
    ).toBe('Fri 11 Dec 15:00 Europe/Berlin (09:00 your time)');
  });

  it("gives the viewer's whole date when it is another day there", () => {
    expect(
      formatInZones('2026-12-11T20:00:00.000Z', 'Europe/Berlin', 'Asia/Tokyo'),
    ).toBe('Fri 11 Dec 21:00 Europe/Berlin (Sat 12 Dec 05:00 your time)');
  });

  it('says it once when both zones read the same', () => {
    expect(
      formatInZones(
        '2026-12-11T14:00:00.000Z',
        'Europe/Berlin',
        'Europe/Paris',
      ),
    ).toBe('Fri 11 Dec 15:00 Europe/Berlin');
  });
});

describe('formatPeriodInZones', () => {
  it('writes a freeze within a day as one range, in both zones', () => {
    expect(
      formatPeriodInZones(
        '2026-12-07T08:00:00.000Z',
        '2026-12-07T09:00:00.000Z',
        'Europe/Berlin',
        'America/New_York',
      ),
    ).toBe('Mon 7 Dec 09:00–10:00 Europe/Berlin (03:00–04:00 your time)');
  });

  it('ends a freeze at midnight as 24:00, and spells out other days', () => {
    expect(
      formatPeriodInZones(
        '2026-12-11T14:00:00.000Z',
        '2026-12-11T23:00:00.000Z',
        'Europe/Berlin',
        'Asia/Tokyo',
      ),
    ).toBe(
      'Fri 11 Dec 15:00–24:00 Europe/Berlin (23:00 – Sat 12 Dec 08:00 your time)',
    );
    expect(
      formatPeriodInZones(
        '2027-11-25T23:00:00.000Z',
        '2027-11-29T23:00:00.000Z',
        'Europe/Berlin',
        'Europe/Berlin',
      ),
    ).toBe('Fri 26 Nov 00:00 – Tue 30 Nov 00:00 Europe/Berlin');
  });
});

describe('CalendarNote', () => {
  it('shows the freeze in force with its open time, and the next freeze', () => {
    render(
      <CalendarNote
        viewerZone="UTC"
        calendar={{
          name: 'prod-calendar',
          timezone: 'Europe/Berlin',
          frozen: {
            rule: 'on-call-handoff',
            reason: 'On-call handoff hour',
            until: '2026-12-07T09:00:00.000Z',
          },
          nextFreeze: {
            rule: 'friday-afternoon',
            reason: 'No Friday-afternoon deploys',
            start: '2026-12-11T14:00:00.000Z',
            end: '2026-12-11T23:00:00.000Z',
          },
        }}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent(
      'Frozen now: On-call handoff hour. Opens Mon 7 Dec 10:00 Europe/Berlin (09:00 your time)',
    );
    expect(screen.getByText(/^Next freeze:/)).toHaveTextContent(
      'Next freeze: No Friday-afternoon deploys, Fri 11 Dec 15:00–24:00 Europe/Berlin (14:00–23:00 your time)',
    );
  });

  it('says when no freeze lies ahead, and shows no frozen line while open', () => {
    render(
      <CalendarNote
        viewerZone="UTC"
        calendar={{ name: 'quiet', timezone: 'Europe/Berlin' }}
      />,
    );
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.getByText('No freeze ahead')).toBeInTheDocument();
  });
});
