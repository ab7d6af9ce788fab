import { ConfigReader } from '@backstage/config';
import {
  readEngineConcurrency,
  readEvaluationConcurrency,
  readPassBudgetMs,
} from './engine';

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

describe('engine concurrency', () => {
  const engine = (values: object) =>
    new ConfigReader({ promotion: { engine: values } });

  it('defaults to 8 deployments and 2000 evaluations at once', () => {
    expect(readEngineConcurrency(engine({}))).toBe(8);
    expect(readEvaluationConcurrency(engine({}))).toBe(2000);
  });

  it('reads both from config', () => {
    const config = engine({ concurrency: 3, evaluationConcurrency: 500 });
    expect(readEngineConcurrency(config)).toBe(3);
    expect(readEvaluationConcurrency(config)).toBe(500);
  });

  it.each([[0], [1.5], [5001]])(
    'refuses an evaluation concurrency of %p, naming the key and the range',
    evaluationConcurrency => {
      expect(() =>
        readEvaluationConcurrency(engine({ evaluationConcurrency })),
      ).toThrow(
        `promotion.engine.evaluationConcurrency must be a whole number from 1 to 5000, got ${evaluationConcurrency}`,
      );
    },
  );

  it('refuses a deployment concurrency over 200, naming the key', () => {
    expect(() => readEngineConcurrency(engine({ concurrency: 201 }))).toThrow(
      'promotion.engine.concurrency must be a whole number from 1 to 200, got 201',
    );
  });
});
