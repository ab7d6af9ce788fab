import { SustainState, nextSustainState } from './sustain';

const SUSTAIN_MS = 2 * 60_000;
const t0 = new Date('2024-05-01T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

/** Runs a sequence of evaluations and records what each one returned. */
function run(ticks: Array<[number, boolean]>, sustainMs = SUSTAIN_MS) {
  let state: SustainState = {};
  return ticks.map(([seconds, firing]) => {
    const result = nextSustainState(state, firing, at(seconds), sustainMs);
    state = { firingSince: result.firingSince };
    return {
      sustained: result.sustained,
      crossedAt:
        result.crossedAt && (result.crossedAt.getTime() - t0.getTime()) / 1000,
    };
  });
}

describe('nextSustainState', () => {
  it.each([
    {
      name: 'fires only after sustainMs of continuous firing',
      ticks: [
        [0, true],
        [60, true],
        [119, true],
        [120, true],
        [180, true],
      ],
      expected: [
        { sustained: false, crossedAt: 0 },
        { sustained: false, crossedAt: 0 },
        { sustained: false, crossedAt: 0 },
        { sustained: true, crossedAt: 0 },
        { sustained: true, crossedAt: 0 },
      ],
    },
    {
      name: 'a dip resets the streak and the crossing time',
      ticks: [
        [0, true],
        [90, true],
        [100, false],
        [110, true],
        [200, true],
        [230, true],
      ],
      expected: [
        { sustained: false, crossedAt: 0 },
        { sustained: false, crossedAt: 0 },
        { sustained: false, crossedAt: undefined },
        { sustained: false, crossedAt: 110 },
        { sustained: false, crossedAt: 110 },
        { sustained: true, crossedAt: 110 },
      ],
    },
    {
      name: 'never firing stays quiet',
      ticks: [
        [0, false],
        [300, false],
      ],
      expected: [
        { sustained: false, crossedAt: undefined },
        { sustained: false, crossedAt: undefined },
      ],
    },
    {
      name: 'a sustained streak ends as soon as firing stops',
      ticks: [
        [0, true],
        [150, true],
        [160, false],
        [170, true],
      ],
      expected: [
        { sustained: false, crossedAt: 0 },
        { sustained: true, crossedAt: 0 },
        { sustained: false, crossedAt: undefined },
        { sustained: false, crossedAt: 170 },
      ],
    },
  ] as Array<{
    name: string;
    ticks: Array<[number, boolean]>;
    expected: ReturnType<typeof run>;
  }>)('$name', ({ ticks, expected }) => {
    expect(run(ticks)).toEqual(expected);
  });

  it('with sustainMs 0 is sustained on the first firing evaluation', () => {
    expect(run([[0, true]], 0)).toEqual([{ sustained: true, crossedAt: 0 }]);
  });

  it('keeps the stored streak start, so a restarted backend resumes the clock', () => {
    const result = nextSustainState(
      { firingSince: at(0) },
      true,
      at(125),
      SUSTAIN_MS,
    );
    expect(result).toEqual({
      firingSince: at(0),
      crossedAt: at(0),
      sustained: true,
    });
  });

  it('waits when the clock reads earlier than the streak start', () => {
    const result = nextSustainState({ firingSince: at(60) }, true, at(30), 0);
    expect(result.sustained).toBe(false);
    expect(result.crossedAt).toEqual(at(60));
  });

  it('clears the state when not firing', () => {
    expect(
      nextSustainState({ firingSince: at(0) }, false, at(500), SUSTAIN_MS),
    ).toEqual({ sustained: false });
  });

  it.each([-1, NaN])('rejects sustainMs %p', sustainMs => {
    expect(() => nextSustainState({}, true, t0, sustainMs)).toThrow(RangeError);
  });
});
