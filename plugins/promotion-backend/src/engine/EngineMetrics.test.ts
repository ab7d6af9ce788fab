import { mockServices } from '@backstage/backend-test-utils';
import { RecordingMetrics } from '../__testUtils__/RecordingMetrics';
import { withTimeout } from '../timeout';
import { EngineMetrics, ENGINE_METRIC_NAMES } from './EngineMetrics';
import { deployOutcomeOf, gateOutcomeOf } from './metricOutcomes';

function setup(passBudgetMs?: number) {
  const metrics = new RecordingMetrics();
  const logger = mockServices.logger.mock();
  const engineMetrics = new EngineMetrics({ metrics, logger, passBudgetMs });
  return { metrics, logger, engineMetrics };
}

describe('EngineMetrics', () => {
  it('creates every instrument under promotion.engine. with a unit and a description', () => {
    const { metrics } = setup();
    expect(
      [...metrics.instruments].map(([name, { kind, options }]) => [
        name,
        kind,
        options?.unit,
      ]),
    ).toEqual([
      ['promotion.engine.pass.duration', 'histogram', 'ms'],
      ['promotion.engine.pass.over_budget', 'counter', '{pass}'],
      ['promotion.engine.due.backlog', 'gauge', '{lane}'],
      ['promotion.engine.lane.evaluations', 'counter', '{evaluation}'],
      ['promotion.engine.gate.duration', 'histogram', 'ms'],
      ['promotion.engine.deploy.duration', 'histogram', 'ms'],
      ['promotion.engine.claims.lost', 'counter', '{claim}'],
      ['promotion.engine.pages.owed', 'observable', '{page}'],
    ]);
    expect(Object.values(ENGINE_METRIC_NAMES).sort()).toEqual(
      [...metrics.instruments.keys()].sort(),
    );
    for (const { options } of metrics.instruments.values()) {
      expect(options?.description).toEqual(expect.any(String));
    }
  });

  it('records pass durations, marks idle passes, and makes the budget a bucket bound', () => {
    const { metrics, logger, engineMetrics } = setup(1_500);
    engineMetrics.passFinished(120, 3);
    engineMetrics.passFinished(4, 0);
    expect(metrics.points(ENGINE_METRIC_NAMES.passDuration)).toEqual([
      { value: 120, attributes: { idle: false } },
      { value: 4, attributes: { idle: true } },
    ]);
    expect(
      metrics.get(ENGINE_METRIC_NAMES.passDuration).options?.advice
        ?.explicitBucketBoundaries,
    ).toEqual([
      5, 10, 25, 50, 100, 250, 500, 1000, 1500, 2500, 5000, 10000, 30000, 60000,
    ]);
    expect(metrics.points(ENGINE_METRIC_NAMES.passesOverBudget)).toEqual([]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('warns naming the duration and the budget when a pass runs over it', () => {
    const { metrics, logger, engineMetrics } = setup(2_000);
    engineMetrics.passFinished(2_000, 5); // at the budget: fine
    expect(logger.warn).not.toHaveBeenCalled();
    engineMetrics.passFinished(2_345.6, 7);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'Promotion engine pass took 2346 ms, over its budget of 2000 ms (promotion.engine.passBudget); it claimed 7 lane(s)',
    );
    expect(metrics.points(ENGINE_METRIC_NAMES.passesOverBudget)).toEqual([
      { value: 1, attributes: undefined },
    ]);
  });

  it('defaults the budget to 2 s', () => {
    const { engineMetrics } = setup();
    expect(engineMetrics.passBudgetMs).toBe(2_000);
  });

  it('records backlog, lane evaluations, gates, deployer calls and lost claims with their attributes', () => {
    const { metrics, engineMetrics } = setup();
    engineMetrics.dueBacklog(12);
    engineMetrics.dueBacklog(0);
    engineMetrics.laneEvaluated('promotion');
    engineMetrics.laneEvaluated('deployment');
    engineMetrics.gateEvaluated('window', 'passed', 3);
    engineMetrics.gateEvaluated('soak', 'errored', 10_000);
    engineMetrics.deployCall('deploy', 'accepted', 250);
    engineMetrics.deployCall('status', 'timeout', 30_000);
    engineMetrics.claimLost();
    // A clock stepping back never yields a negative duration.
    engineMetrics.gateEvaluated('tests', 'pending', -2);

    expect(metrics.points(ENGINE_METRIC_NAMES.dueBacklog)).toEqual([
      { value: 12, attributes: undefined },
      { value: 0, attributes: undefined },
    ]);
    expect(metrics.points(ENGINE_METRIC_NAMES.laneEvaluations)).toEqual([
      { value: 1, attributes: { kind: 'promotion' } },
      { value: 1, attributes: { kind: 'deployment' } },
    ]);
    expect(metrics.points(ENGINE_METRIC_NAMES.gateDuration)).toEqual([
      { value: 3, attributes: { gate: 'window', outcome: 'passed' } },
      { value: 10_000, attributes: { gate: 'soak', outcome: 'errored' } },
      { value: 0, attributes: { gate: 'tests', outcome: 'pending' } },
    ]);
    expect(metrics.points(ENGINE_METRIC_NAMES.deployDuration)).toEqual([
      { value: 250, attributes: { operation: 'deploy', outcome: 'accepted' } },
      {
        value: 30_000,
        attributes: { operation: 'status', outcome: 'timeout' },
      },
    ]);
    expect(metrics.points(ENGINE_METRIC_NAMES.claimsLost)).toEqual([
      { value: 1, attributes: undefined },
    ]);
  });

  it('maps gate results and deployer answers to outcomes', () => {
    expect(gateOutcomeOf({ verdict: 'passed', errored: false })).toBe('passed');
    expect(gateOutcomeOf({ verdict: 'pending', errored: false })).toBe(
      'pending',
    );
    expect(gateOutcomeOf({ verdict: 'failed', errored: false })).toBe('failed');
    expect(gateOutcomeOf({ verdict: 'failed', errored: true })).toBe('errored');
    expect(deployOutcomeOf('deploy', { state: 'running' })).toBe('accepted');
    expect(deployOutcomeOf('status', { state: 'running' })).toBe('running');
    expect(deployOutcomeOf('status', { state: 'succeeded' })).toBe('succeeded');
    expect(deployOutcomeOf('deploy', { state: 'failed', reason: 'no' })).toBe(
      'failed',
    );
  });

  it('measures a gate evaluation and hands its result back', async () => {
    const { metrics, engineMetrics } = setup();
    const result = { gate: 'soak', verdict: 'failed' as const, errored: true };
    await expect(
      engineMetrics.measureGate('soak', async () => result),
    ).resolves.toBe(result);
    expect(metrics.points(ENGINE_METRIC_NAMES.gateDuration)).toEqual([
      {
        value: expect.any(Number),
        attributes: { gate: 'soak', outcome: 'errored' },
      },
    ]);
  });

  it('measures deployer calls: answers, throws and timeouts', async () => {
    const { metrics, engineMetrics } = setup();
    await expect(
      engineMetrics.measureDeployCall(
        'deploy',
        async () => ({ state: 'running' as const }),
        1_000,
      ),
    ).resolves.toEqual({ state: 'running' });
    await expect(
      engineMetrics.measureDeployCall(
        'status',
        () => Promise.reject(new Error('502 Bad Gateway')),
        1_000,
      ),
    ).rejects.toThrow('502 Bad Gateway');
    await expect(
      engineMetrics.measureDeployCall(
        'status',
        () => withTimeout(new Promise<never>(() => {}), 30),
        30,
      ),
    ).rejects.toThrow('timed out after 30 ms');
    const points = metrics.points(ENGINE_METRIC_NAMES.deployDuration);
    expect(points.map(p => p.attributes)).toEqual([
      { operation: 'deploy', outcome: 'accepted' },
      { operation: 'status', outcome: 'error' },
      { operation: 'status', outcome: 'timeout' },
    ]);
    expect(points[2].value).toBeGreaterThanOrEqual(25);
  });

  it('observes pages owed at each collection until stopped', async () => {
    const { metrics, engineMetrics } = setup();
    const read = jest
      .fn()
      .mockResolvedValueOnce({ send: 2, resolve: 1 })
      .mockResolvedValueOnce({ send: 0, resolve: 0 });
    const stop = engineMetrics.observePagesOwed(read);
    expect(read).not.toHaveBeenCalled(); // read only when collected
    expect(await metrics.collect(ENGINE_METRIC_NAMES.pagesOwed)).toEqual([
      { value: 2, attributes: { action: 'send' } },
      { value: 1, attributes: { action: 'resolve' } },
    ]);
    expect(await metrics.collect(ENGINE_METRIC_NAMES.pagesOwed)).toEqual([
      { value: 0, attributes: { action: 'send' } },
      { value: 0, attributes: { action: 'resolve' } },
    ]);
    stop();
    expect(await metrics.collect(ENGINE_METRIC_NAMES.pagesOwed)).toEqual([]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('logs a failed pages-owed read and reports nothing for it', async () => {
    const { metrics, logger, engineMetrics } = setup();
    engineMetrics.observePagesOwed(() =>
      Promise.reject(new Error('connection refused')),
    );
    expect(await metrics.collect(ENGINE_METRIC_NAMES.pagesOwed)).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not count the pages owed: Error: connection refused',
    );
  });

  it('disabled() accepts every call and never warns', async () => {
    const disabled = EngineMetrics.disabled();
    disabled.passFinished(1e9, 1);
    disabled.dueBacklog(1);
    disabled.laneEvaluated('promotion');
    disabled.gateEvaluated('window', 'failed', 1);
    disabled.deployCall('deploy', 'error', 1);
    disabled.claimLost();
    disabled.observePagesOwed(async () => ({ send: 1, resolve: 0 }))();
    expect(disabled.passBudgetMs).toBe(Infinity);
  });
});
