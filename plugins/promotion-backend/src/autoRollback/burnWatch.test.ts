import type { SloCounts } from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { BurnWatchRecord } from '../database/BurnWatchStore';
import { DEFAULT_BURN_WINDOWS, SloConfig } from '../slo';
import {
  BurnLane,
  BurnReadings,
  decideBurnWatch,
  needsReadings,
} from './burnWatch';

const NOW = new Date('2026-12-06T10:00:00Z');
const MINUTE = 60_000;
const at = (minutesBefore: number) =>
  new Date(NOW.getTime() - minutesBefore * MINUTE);

const slo: SloConfig = {
  provider: 'push',
  providerOptions: {},
  objective: 0.999,
  periodMs: 30 * 24 * 60 * MINUTE,
  windows: DEFAULT_BURN_WINDOWS.map(w => ({ ...w })),
  sustainMs: 2 * MINUTE,
  settleMs: MINUTE,
  minRequests: 100,
};

/** Every window answers with `total` requests of which `errorRatio` failed. */
function traffic(total: number, errorRatio: number): BurnReadings {
  const counts: SloCounts = {
    total,
    good: Math.round(total * (1 - errorRatio)),
  };
  return { counts: () => counts, problems: [] };
}
const BURNING = traffic(100_000, 0.02); // 20x on every window
const HEALTHY = traffic(100_000, 0);
const QUIET = traffic(10, 0.5);
const NO_DATA: BurnReadings = {
  counts: () => undefined,
  problems: ['5m: connect ECONNREFUSED'],
};

function lane(overrides: Partial<BurnLane> = {}): BurnLane {
  return {
    entityRef: 'component:default/checkout',
    environment: 'prod',
    current: {
      id: 'd-2',
      trigger: 'promotion',
      healthyAt: at(30),
      arrivedAt: at(30),
      version: '1.0.2',
      digest: 'sha256:2',
    },
    target: { version: '1.0.1', digest: 'sha256:1' },
    rollbackPending: false,
    ...overrides,
  };
}

function watch(overrides: Partial<BurnWatchRecord> = {}): BurnWatchRecord {
  return {
    deploymentId: 'd-2',
    entityRef: 'component:default/checkout',
    environment: 'prod',
    version: 3,
    status: 'ok',
    reading: {
      objective: 0.999,
      evaluatedAt: at(1).toISOString(),
      firing: false,
      blind: false,
      reason: 'ok',
      windows: [],
    },
    evaluatedAt: at(1),
    ...overrides,
  };
}

const blindPage = {
  key: 'auto-rollback-blind:d-2',
  summary: 'blind',
  severity: 'warning' as const,
};

describe('decideBurnWatch', () => {
  it.each([
    ['a first firing reading starts the streak', {}, BURNING, 'firing'],
    ['a healthy reading', {}, HEALTHY, 'ok'],
    ['too little traffic to judge', {}, QUIET, 'low-traffic'],
    ['no data from the provider', {}, NO_DATA, 'blind'],
    [
      'inside the settle time',
      { current: { ...lane().current, healthyAt: at(0.5) } },
      BURNING,
      'settling',
    ],
    [
      'a deployment that is a rollback',
      { current: { ...lane().current, trigger: 'rollback' as const } },
      BURNING,
      'off',
    ],
    ['a rollback already under way', { rollbackPending: true }, BURNING, 'off'],
  ] as const)('%s', (_, overrides, readings, status) => {
    const decision = decideBurnWatch(lane(overrides), slo, readings, NOW);
    expect(decision.kind).toBe('watch');
    expect(decision.next).toMatchObject({
      deploymentId: 'd-2',
      status,
      evaluatedAt: NOW,
    });
  });

  it('keeps watching while the streak is shorter than the sustain time', () => {
    const decision = decideBurnWatch(
      lane({ watch: watch({ status: 'firing', firingSince: at(1) }) }),
      slo,
      BURNING,
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'watch',
      next: { status: 'firing', firingSince: at(1) },
    });
    expect(decision.next.reading).toMatchObject({
      firingSince: at(1).toISOString(),
      sustainMs: 2 * MINUTE,
    });
  });

  it('fires once the streak lasted the sustain time, naming the crossing and the impact start', () => {
    const decision = decideBurnWatch(
      lane({
        watch: watch({
          status: 'firing',
          firingSince: at(2),
          burningSince: at(5),
        }),
      }),
      slo,
      BURNING,
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'fire',
      next: { status: 'rolled_back', firingSince: at(2) },
      rollback: {
        detectedAt: at(2),
        impactStartedAt: at(5),
        evidence: {
          objective: 0.999,
          sustainMs: 2 * MINUTE,
          crossedAt: at(2).toISOString(),
          deploymentId: 'd-2',
        },
      },
    });
    if (decision.kind !== 'fire') throw new Error('not fired');
    expect(decision.rollback.reason).toMatch(
      /^automatic rollback: burn rate 20x over 1h, 20x over 5m reaches 14\.4x.*sustained 2m \(SLO 99\.9%\)$/,
    );
  });

  it('starts the impact no earlier than the release arrived', () => {
    const decision = decideBurnWatch(
      lane({
        current: { ...lane().current, arrivedAt: at(3) },
        watch: watch({ firingSince: at(2), burningSince: at(60) }),
      }),
      slo,
      BURNING,
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'fire',
      rollback: { impactStartedAt: at(3) },
    });
  });

  it('pages critical instead of firing when there is nothing to roll back to, once', () => {
    const stuck = lane({
      target: undefined,
      watch: watch({ status: 'firing', firingSince: at(2) }),
    });
    const first = decideBurnWatch(stuck, slo, BURNING, NOW);
    expect(first).toMatchObject({
      kind: 'watch',
      next: { status: 'no_target' },
      opens: { key: 'auto-rollback-stuck:d-2', severity: 'critical' },
    });
    const again = decideBurnWatch(
      { ...stuck, watch: { ...stuck.watch!, page: first.next.page } },
      slo,
      BURNING,
      NOW,
    );
    expect(again).toMatchObject({
      kind: 'watch',
      next: { status: 'no_target' },
    });
    expect(again).not.toHaveProperty('opens', expect.anything());
    expect(again).not.toHaveProperty('closes', expect.anything());
  });

  it('pages blind once per spell and closes the page when data comes back', () => {
    const first = decideBurnWatch(lane({ watch: watch() }), slo, NO_DATA, NOW);
    expect(first).toMatchObject({
      kind: 'watch',
      opens: { key: 'auto-rollback-blind:d-2', severity: 'warning' },
    });
    expect(first.next.reading.reason).toContain('connect ECONNREFUSED');
    const still = decideBurnWatch(
      lane({ watch: watch({ status: 'blind', page: blindPage }) }),
      slo,
      NO_DATA,
      NOW,
    );
    expect(still).toMatchObject({ next: { page: blindPage } });
    expect(still).not.toHaveProperty('opens', expect.anything());
    const back = decideBurnWatch(
      lane({ watch: watch({ status: 'blind', page: blindPage }) }),
      slo,
      HEALTHY,
      NOW,
    );
    expect(back).toMatchObject({
      kind: 'watch',
      next: { status: 'ok', page: undefined },
      closes: 'auto-rollback-blind:d-2',
    });
  });

  it('ends the streak on a reading that does not fire, and while guarded', () => {
    const streak = watch({ status: 'firing', firingSince: at(1) });
    expect(
      decideBurnWatch(lane({ watch: streak }), slo, HEALTHY, NOW).next
        .firingSince,
    ).toBeUndefined();
    expect(
      decideBurnWatch(
        lane({ watch: streak, rollbackPending: true }),
        slo,
        BURNING,
        NOW,
      ).next.firingSince,
    ).toBeUndefined();
  });

  it('closes an open page when the rollback fires', () => {
    const decision = decideBurnWatch(
      lane({
        watch: watch({ firingSince: at(2), page: blindPage }),
      }),
      slo,
      BURNING,
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'fire',
      closes: 'auto-rollback-blind:d-2',
    });
  });

  it('needs no readings once the watch fired', () => {
    expect(needsReadings({ watch: watch({ status: 'rolled_back' }) })).toBe(
      false,
    );
    expect(needsReadings({ watch: watch() })).toBe(true);
    expect(needsReadings({})).toBe(true);
  });
});
