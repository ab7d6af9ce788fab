import { burningNow, impactStart, nextBurningSince } from './burning';
import type { BurnEvaluation, BurnWindowResult } from './evaluateBurn';

const window = (
  status: BurnWindowResult['status'],
  longBurnRate?: number,
  shortBurnRate?: number,
): BurnWindowResult => ({
  window: { longWindowMs: 3_600_000, shortWindowMs: 300_000, burnRate: 14.4 },
  status,
  firing: status === 'firing',
  longBurnRate,
  shortBurnRate,
  reason: '',
});
const evaluation = (...windows: BurnWindowResult[]): BurnEvaluation => ({
  firing: windows.some(w => w.firing),
  blind: windows.some(w => w.status === 'blind'),
  reason: '',
  windows,
});
const T0 = new Date('2026-12-06T10:00:00Z');
const T1 = new Date('2026-12-06T10:01:00Z');

describe('burningNow', () => {
  it.each([
    ['a short window over 1', evaluation(window('ok', 0.5, 3)), true],
    [
      'the long window when no short one was needed',
      evaluation(window('ok', 2)),
      true,
    ],
    ['firing', evaluation(window('firing', 20, 20)), true],
    [
      'every window at or under 1',
      evaluation(window('ok', 1, 1), window('ok', 0.2)),
      false,
    ],
    [
      'no window with data',
      evaluation(window('blind'), window('low-traffic', 30)),
      undefined,
    ],
  ])('%s', (_, input, expected) => {
    expect(burningNow(input)).toBe(expected);
  });
});

describe('nextBurningSince', () => {
  it('starts at the first burning reading, keeps it while burning, ends when not', () => {
    expect(nextBurningSince(undefined, true, T0)).toBe(T0);
    expect(nextBurningSince(T0, true, T1)).toBe(T0);
    expect(nextBurningSince(T0, false, T1)).toBeUndefined();
  });

  it('neither starts nor ends a streak on a reading without data', () => {
    expect(nextBurningSince(T0, undefined, T1)).toBe(T0);
    expect(nextBurningSince(undefined, undefined, T1)).toBeUndefined();
  });
});

describe('impactStart', () => {
  it('is the first burning reading, never before the release arrived', () => {
    expect(impactStart(T1, T0)).toBe(T1);
    expect(impactStart(T0, T1)).toBe(T1);
    expect(impactStart(undefined, T0)).toBeUndefined();
  });
});
