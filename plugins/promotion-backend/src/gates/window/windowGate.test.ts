import type { GateContext } from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { Calendars } from './calendar';
import { exampleCalendars, local } from './testCalendars';
import { createWindowGate, formatUntil, Freeze } from './windowGate';

const berlin = (text: string) => local(text, 'Europe/Berlin');
const OPEN = berlin('2026-03-04T14:00'); // a Wednesday afternoon
const FRIDAY_AFTERNOON = berlin('2026-03-06T15:00');

function context(overrides: Partial<GateContext> = {}): GateContext {
  return {
    promotionId: 'promotion-1',
    entityRef: 'component:default/checkout',
    artifact: {
      id: 'artifact-1',
      entityRef: 'component:default/checkout',
      digest: `sha256:${'a'.repeat(64)}`,
      version: '1.2.3',
      commit: 'abc123',
      labels: [],
      changedPaths: [],
      registeredAt: '2026-03-01T00:00:00Z',
    },
    trigger: 'promotion',
    fromEnvironment: 'staging',
    toEnvironment: 'prod',
    testResults: [],
    options: { calendar: 'prod-calendar' },
    now: OPEN,
    ...overrides,
  };
}

const incident: Freeze = {
  id: 'freeze-1',
  entityRef: null,
  environment: 'prod',
  reason: 'INC-42 payment outage',
  createdBy: 'user:default/alice',
  createdAt: new Date('2026-03-04T10:00:00Z'),
};

function gateWith(
  freezes: Freeze[] | (() => Promise<Freeze[]>) = [],
  calendars: Calendars = exampleCalendars(),
) {
  const calls: Array<[string, string]> = [];
  const gate = createWindowGate({
    calendars,
    listActiveFreezes: async (entityRef, environment) => {
      calls.push([entityRef, environment]);
      return typeof freezes === 'function' ? freezes() : freezes;
    },
  });
  return { gate, calls };
}

describe('createWindowGate', () => {
  it('is named window', () => {
    expect(gateWith().gate.name).toBe('window');
  });

  it('passes when the window is open and nothing is frozen', async () => {
    const { gate, calls } = gateWith();
    await expect(gate.evaluate(context())).resolves.toEqual({
      verdict: 'passed',
      reason: 'window open',
      evidence: { calendar: 'prod-calendar', timezone: 'Europe/Berlin' },
    });
    expect(calls).toEqual([['component:default/checkout', 'prod']]);
  });

  it('waits while a deny rule freezes the window', async () => {
    const { gate } = gateWith();
    await expect(
      gate.evaluate(context({ now: FRIDAY_AFTERNOON })),
    ).resolves.toEqual({
      verdict: 'pending',
      reason:
        'freeze: No Friday-afternoon deploys until Sat 7 Mar 00:00 Europe/Berlin',
      // Due again when the window opens, not before.
      nextCheckAt: new Date('2026-03-06T23:00:00.000Z'),
      evidence: {
        calendar: 'prod-calendar',
        rule: 'friday-afternoon',
        until: '2026-03-06T23:00:00.000Z',
        timezone: 'Europe/Berlin',
      },
    });
  });

  it('waits through a blackout', async () => {
    const { gate } = gateWith();
    const evaluation = await gate.evaluate(
      context({ now: berlin('2026-11-28T10:00') }),
    );
    expect(evaluation.verdict).toBe('pending');
    expect(evaluation.reason).toBe(
      'freeze: Black Friday weekend until Tue 1 Dec 00:00 Europe/Berlin',
    );
    expect(evaluation.evidence).toMatchObject({ rule: 'black-friday' });
  });

  it('waits while the line is stopped, even in an open window', async () => {
    const { gate } = gateWith([incident]);
    await expect(gate.evaluate(context())).resolves.toEqual({
      verdict: 'pending',
      reason: 'stop the line: INC-42 payment outage (by user:default/alice)',
      // Lifting the freeze wakes the lane; no timer until then.
      nextCheckAt: 'event',
      evidence: {
        freezeId: 'freeze-1',
        freezeIds: ['freeze-1'],
        entityRef: null,
        environment: 'prod',
        createdBy: 'user:default/alice',
        createdAt: '2026-03-04T10:00:00.000Z',
      },
    });
  });

  it('names the oldest of several freezes and lists them all', async () => {
    const newer: Freeze = {
      ...incident,
      id: 'freeze-2',
      entityRef: 'component:default/checkout',
      reason: 'bad migration',
      createdBy: 'user:default/bob',
      createdAt: new Date('2026-03-04T12:00:00Z'),
    };
    const { gate } = gateWith([newer, incident]);
    const evaluation = await gate.evaluate(context({ now: FRIDAY_AFTERNOON }));
    expect(evaluation.verdict).toBe('pending');
    expect(evaluation.reason).toBe(
      'stop the line: INC-42 payment outage (by user:default/alice)',
    );
    expect(evaluation.evidence).toMatchObject({
      freezeIds: ['freeze-2', 'freeze-1'],
    });
  });

  it('lets rollbacks through a closed window and a stopped line', async () => {
    const { gate } = gateWith([incident]);
    await expect(
      gate.evaluate(context({ trigger: 'rollback', now: FRIDAY_AFTERNOON })),
    ).resolves.toEqual({
      verdict: 'passed',
      reason: 'rollbacks ignore windows',
    });
  });

  it.each([
    [
      'the freeze lister throws',
      context(),
      () => Promise.reject(new Error('database is gone')),
      'could not list stop-the-line freezes: database is gone',
    ],
    [
      'the freeze lister returns no list',
      context(),
      () => Promise.resolve(undefined as unknown as Freeze[]),
      'stop-the-line freezes came back as something other than a list',
    ],
    [
      'the freeze lister returns a broken freeze',
      context(),
      () => Promise.resolve([null as unknown as Freeze]),
      'window gate could not run',
    ],
    [
      'the calendar is unknown',
      context({ options: { calendar: 'prod-calender' } }),
      () => Promise.resolve([]),
      "bad window gate options: unknown calendar 'prod-calender' (known: prod-calendar, dst-edges, fall-back, santiago, new-york)",
    ],
    [
      'the calendar option is missing',
      context({ options: {} }),
      () => Promise.resolve([]),
      "bad window gate options: option 'calendar' is required",
    ],
    [
      'the calendar option is not a name',
      context({ options: { calendar: ['prod-calendar'] } }),
      () => Promise.resolve([]),
      "bad window gate options: option 'calendar' is required",
    ],
    [
      'the evaluation time is invalid',
      context({ now: new Date(NaN) }),
      () => Promise.resolve([]),
      'window gate could not run: cannot evaluate a calendar at an invalid date',
    ],
  ])('fails closed when %s', async (_case, ctx, freezes, reason) => {
    const { gate } = gateWith(freezes);
    const evaluation = await gate.evaluate(ctx);
    expect(evaluation.verdict).toBe('failed');
    expect(evaluation.reason).toContain(reason);
    expect(evaluation.evidence).toEqual({ errored: true });
  });

  it('fails closed when the calendar never opens', async () => {
    const calendars: Calendars = new Map([
      [
        'closed',
        {
          name: 'closed',
          timezone: 'UTC',
          deny: [
            {
              name: 'always',
              days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
              fromMinute: 0,
              toMinute: 1440,
              reason: 'never',
            },
          ],
          blackouts: [],
        },
      ],
    ]);
    const { gate } = gateWith([], calendars);
    const evaluation = await gate.evaluate(
      context({ options: { calendar: 'closed' } }),
    );
    expect(evaluation).toMatchObject({
      verdict: 'failed',
      evidence: { errored: true },
    });
    expect(evaluation.reason).toContain("calendar 'closed' has no open window");
  });
});

describe('formatUntil', () => {
  it('writes the instant in the calendar zone, in English whatever the locale', () => {
    expect(formatUntil(new Date('2026-11-30T23:00:00Z'), 'Europe/Berlin')).toBe(
      'Tue 1 Dec 00:00 Europe/Berlin',
    );
    expect(
      formatUntil(new Date('2026-03-09T13:00:00Z'), 'America/New_York'),
    ).toBe('Mon 9 Mar 09:00 America/New_York');
  });
});
