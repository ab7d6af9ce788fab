import { ConfigReader } from '@backstage/config';
import { readGateTimeoutMs } from './engineSettings';

const withGateTimeout = (gateTimeout: string | { [unit: string]: number }) =>
  new ConfigReader({ promotion: { engine: { gateTimeout } } });

describe('readGateTimeoutMs', () => {
  it('defaults to 10 seconds', () => {
    expect(readGateTimeoutMs(new ConfigReader({}))).toBe(10_000);
  });

  it.each([
    ['20s', 20_000],
    ['PT30S', 30_000],
    [{ seconds: 2, milliseconds: 500 }, 2_500],
  ])('reads %p', (value, ms) => {
    expect(readGateTimeoutMs(withGateTimeout(value))).toBe(ms);
  });

  it.each(['0s', '2m', { months: 1 }])('refuses %p, naming the key', value => {
    expect(() => readGateTimeoutMs(withGateTimeout(value))).toThrow(
      'promotion.engine.gateTimeout must be longer than zero and at most 30 s',
    );
  });

  it('refuses what is not a duration, naming the key', () => {
    expect(() => readGateTimeoutMs(withGateTimeout('soon'))).toThrow(
      /^promotion\.engine\.gateTimeout is not a valid duration/,
    );
  });
});
