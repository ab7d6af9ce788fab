import { ConfigReader } from '@backstage/config';
import { readPassBudgetMs } from './engine';

describe('readPassBudgetMs', () => {
  it('defaults to 2 s', () => {
    expect(readPassBudgetMs(new ConfigReader({}))).toBe(2_000);
  });

  it.each([
    [{ seconds: 5 }, 5_000],
    [{ milliseconds: 750 }, 750],
    ['1m', 60_000],
    ['PT0.5S', 500],
  ])('reads %p as %p ms', (passBudget, ms) => {
    expect(
      readPassBudgetMs(
        new ConfigReader({ promotion: { engine: { passBudget } } }),
      ),
    ).toBe(ms);
  });

  it.each([[{ seconds: 0 }], [{ seconds: 61 }], ['2h']])(
    'refuses %p, naming the key and the range',
    passBudget => {
      expect(() =>
        readPassBudgetMs(
          new ConfigReader({ promotion: { engine: { passBudget } } }),
        ),
      ).toThrow(
        'promotion.engine.passBudget must be longer than zero and at most 60 s',
      );
    },
  );

  it('refuses what is not a duration, naming the key', () => {
    expect(() =>
      readPassBudgetMs(
        new ConfigReader({ promotion: { engine: { passBudget: 'soon' } } }),
      ),
    ).toThrow(/^promotion\.engine\.passBudget is not a valid duration: /);
  });
});
