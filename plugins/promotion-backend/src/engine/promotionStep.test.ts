import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  nextCheckAt,
  precheckStep,
  promotionStep,
  WAITS_FOR_EVENT,
} from './promotionStep';

const NOW = new Date('2026-11-27T14:00:00Z');
const RECHECK = 5_000;
const soon = new Date(NOW.getTime() + RECHECK);
const at = (iso: string) => new Date(iso);

function gate(
  verdict: GateResult['verdict'],
  extra: Partial<GateResult> = {},
): GateResult {
  return {
    gate: extra.gate ?? 'g',
    verdict,
    reason: 'r',
    errored: false,
    evaluatedAt: NOW.toISOString(),
    ...extra,
  };
}

describe('nextCheckAt', () => {
  it.each<[string, GateResult[], Date]>([
    ['no gates', [], WAITS_FOR_EVENT],
    ['every gate passed', [gate('passed')], WAITS_FOR_EVENT],
    [
      'a gate waiting for an approval',
      [gate('pending', { nextCheckAt: 'event' })],
      WAITS_FOR_EVENT,
    ],
    [
      'a freeze ending at 18:00',
      [gate('pending', { nextCheckAt: '2026-11-27T18:00:00.000Z' })],
      at('2026-11-27T18:00:00Z'),
    ],
    [
      'the earlier of a freeze end and a report',
      [
        gate('pending', { nextCheckAt: 'event' }),
        gate('pending', { nextCheckAt: '2026-11-27T18:00:00.000Z' }),
      ],
      at('2026-11-27T18:00:00Z'),
    ],
    ['a gate that names no time', [gate('pending')], soon],
    [
      'a gate that could not run, whatever it asked',
      [gate('failed', { errored: true, nextCheckAt: 'event' })],
      soon,
    ],
    [
      'a failed gate waiting for a new report',
      [gate('failed', { nextCheckAt: 'event' })],
      WAITS_FOR_EVENT,
    ],
    [
      'a time already past: soon after now, not now',
      [gate('pending', { nextCheckAt: '2026-11-27T13:00:00.000Z' })],
      new Date(NOW.getTime() + 1),
    ],
    [
      'an unreadable time',
      [gate('pending', { nextCheckAt: 'tomorrow' })],
      soon,
    ],
    [
      'a passed gate asks for nothing',
      [
        gate('passed', { nextCheckAt: '2026-11-27T14:00:01.000Z' }),
        gate('pending', { nextCheckAt: 'event' }),
      ],
      WAITS_FOR_EVENT,
    ],
  ])('%s', (_what, results, expected) => {
    expect(nextCheckAt(results, NOW, RECHECK)).toEqual(expected);
  });
});

describe('promotionStep', () => {
  it.each<
    [
      string,
      Parameters<typeof promotionStep>[0],
      boolean,
      GateResult[],
      ReturnType<typeof promotionStep>,
    ]
  >([
    [
      'all passed, automatic',
      'promotion',
      true,
      [gate('passed')],
      { kind: 'promote' },
    ],
    ['no gates at all', 'merge', true, [], { kind: 'promote' }],
    [
      'all passed, but the environment waits for a person',
      'promotion',
      false,
      [gate('passed')],
      { kind: 'wait', nextCheckAt: WAITS_FOR_EVENT },
    ],
    [
      'a rollback into a manual environment goes ahead',
      'rollback',
      false,
      [gate('passed')],
      { kind: 'promote' },
    ],
    [
      'a final failure fails, whatever else passed',
      'promotion',
      true,
      [
        gate('passed'),
        gate('failed', { gate: 'approval', reason: 'rejected', final: true }),
      ],
      { kind: 'fail', reason: 'approval: rejected' },
    ],
    [
      'a failure that may still change waits',
      'promotion',
      true,
      [gate('failed', { nextCheckAt: 'event' })],
      { kind: 'wait', nextCheckAt: WAITS_FOR_EVENT },
    ],
    [
      'pending waits until the gate asks',
      'promotion',
      true,
      [
        gate('passed'),
        gate('pending', { nextCheckAt: '2026-11-28T00:00:00.000Z' }),
      ],
      { kind: 'wait', nextCheckAt: at('2026-11-28T00:00:00Z') },
    ],
  ])('%s', (_what, trigger, autoPromote, results, expected) => {
    expect(promotionStep(trigger, autoPromote, results, NOW, RECHECK)).toEqual(
      expected,
    );
  });
});

describe('precheckStep', () => {
  const base = {
    trigger: 'promotion' as const,
    targetConfigured: true,
    toEnvironment: 'prod',
    pipeline: 'standard',
  };
  it.each<
    [
      string,
      Parameters<typeof precheckStep>[0],
      ReturnType<typeof precheckStep>,
    ]
  >([
    ['nothing stands in the way', base, undefined],
    [
      'the environment left the pipeline',
      { ...base, targetConfigured: false },
      {
        kind: 'fail',
        reason: "environment 'prod' is not in pipeline 'standard'",
      },
    ],
    [
      'the artifact is marked bad',
      { ...base, bad: { reason: 'leaks memory' } },
      { kind: 'cancel', reason: 'artifact is marked bad: leaks memory' },
    ],
    [
      'the artifact no longer runs verified where it came from',
      { ...base, source: { environment: 'staging', stillVerified: false } },
      { kind: 'cancel', reason: 'no longer verified in staging' },
    ],
    [
      'it still does',
      { ...base, source: { environment: 'staging', stillVerified: true } },
      undefined,
    ],
  ])('%s', (_what, snapshot, expected) => {
    expect(precheckStep(snapshot)).toEqual(expected);
  });
});
