import { LoggerService } from '@backstage/backend-plugin-api';
import type {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceGauge,
  MetricsServiceHistogram,
  MetricsServiceObservableCallback,
  MetricsServiceObservableGauge,
} from '@backstage/backend-plugin-api/alpha';
import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { DeployStatus } from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { PagesOwed } from '../database/PageOutboxStore';
import {
  DEFAULT_PASS_BUDGET_MS,
  PASS_BUDGET_CONFIG_KEY,
} from '../config/engine';
import {
  DeployOperation,
  DeployOutcome,
  GateOutcome,
  LaneKind,
  deployOutcomeOf,
  gateOutcomeOf,
} from './metricOutcomes';

/** Names of the engine's metrics, as the OpenTelemetry SDK receives them. */
export const ENGINE_METRIC_NAMES = {
  passDuration: 'promotion.engine.pass.duration',
  passesOverBudget: 'promotion.engine.pass.over_budget',
  dueBacklog: 'promotion.engine.due.backlog',
  laneEvaluations: 'promotion.engine.lane.evaluations',
  gateDuration: 'promotion.engine.gate.duration',
  deployDuration: 'promotion.engine.deploy.duration',
  claimsLost: 'promotion.engine.claims.lost',
  pagesOwed: 'promotion.engine.pages.owed',
} as const;

const TIMER_SLACK_MS = 5;

// Millisecond buckets from a fast database round trip to the 60 s lease.
const DURATION_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
];

// What `EngineMetrics.disabled()` records to and logs with: nothing.
const NOOP_INSTRUMENT = {
  add() {},
  record() {},
  addCallback() {},
  removeCallback() {},
};

const NOOP_METRICS: MetricsService = {
  createCounter: () => NOOP_INSTRUMENT,
  createUpDownCounter: () => NOOP_INSTRUMENT,
  createHistogram: () => NOOP_INSTRUMENT,
  createGauge: () => NOOP_INSTRUMENT,
  createObservableCounter: () => NOOP_INSTRUMENT,
  createObservableUpDownCounter: () => NOOP_INSTRUMENT,
  createObservableGauge: () => NOOP_INSTRUMENT,
};

const NOOP_LOGGER: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => NOOP_LOGGER,
};

/** Options of {@link EngineMetrics}. */
export interface EngineMetricsOptions {
  /** The plugin's metrics service (`metricsServiceRef`). */
  metrics: MetricsService;
  /** Told when a pass runs over its budget. */
  logger: LoggerService;
  /** A pass longer than this logs a warning; `promotion.engine.passBudget`. */
  passBudgetMs?: number;
}

/**
 * The engine's measurements, one method each. Holds no engine logic: the
 * worker calls it with what it measured. Without an OpenTelemetry SDK in the
 * process, the metrics service hands out no-op instruments, so calling it
 * always is safe.
 */
export class EngineMetrics {
  /** A pass longer than this logs a warning. */
  readonly passBudgetMs: number;

  private readonly logger: LoggerService;
  private readonly passDuration: MetricsServiceHistogram<{ idle: boolean }>;
  private readonly passesOverBudget: MetricsServiceCounter;
  private readonly backlog: MetricsServiceGauge;
  private readonly laneEvaluations: MetricsServiceCounter<{
    kind: LaneKind;
  }>;
  private readonly gateDuration: MetricsServiceHistogram<{
    gate: string;
    outcome: GateOutcome;
  }>;
  private readonly deployDuration: MetricsServiceHistogram<{
    operation: DeployOperation;
    outcome: DeployOutcome;
  }>;
  private readonly claimsLost: MetricsServiceCounter;
  private readonly pagesOwedGauge: MetricsServiceObservableGauge<{
    action: keyof PagesOwed;
  }>;

  /** Metrics that record nothing and never warn, for engines built in tests. */
  static disabled(): EngineMetrics {
    return new EngineMetrics({
      metrics: NOOP_METRICS,
      logger: NOOP_LOGGER,
      passBudgetMs: Infinity,
    });
  }

  constructor(options: EngineMetricsOptions) {
    const { metrics } = options;
    this.logger = options.logger;
    this.passBudgetMs = options.passBudgetMs ?? DEFAULT_PASS_BUDGET_MS;
    const passBuckets = Number.isFinite(this.passBudgetMs)
      ? [...new Set([...DURATION_BUCKETS_MS, this.passBudgetMs])].sort(
          (a, b) => a - b,
        )
      : DURATION_BUCKETS_MS;
    this.passDuration = metrics.createHistogram(
      ENGINE_METRIC_NAMES.passDuration,
      {
        description:
          'Duration of one engine pass: claim due lanes, evaluate them, write the decisions',
        unit: 'ms',
        // The budget is a bucket bound, so "passes over budget" is one subtraction.
        advice: { explicitBucketBoundaries: passBuckets },
      },
    );
    this.passesOverBudget = metrics.createCounter(
      ENGINE_METRIC_NAMES.passesOverBudget,
      {
        description: `Engine passes that took longer than ${PASS_BUDGET_CONFIG_KEY}`,
        unit: '{pass}',
      },
    );
    this.backlog = metrics.createGauge(ENGINE_METRIC_NAMES.dueBacklog, {
      description:
        'Lanes due for a look when the latest pass started, claimed or not',
      unit: '{lane}',
    });
    this.laneEvaluations = metrics.createCounter(
      ENGINE_METRIC_NAMES.laneEvaluations,
      {
        description: 'Lanes the engine evaluated, by what it looked at',
        unit: '{evaluation}',
      },
    );
    this.gateDuration = metrics.createHistogram(
      ENGINE_METRIC_NAMES.gateDuration,
      {
        description: 'Duration of one gate evaluation, by gate and outcome',
        unit: 'ms',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
      },
    );
    this.deployDuration = metrics.createHistogram(
      ENGINE_METRIC_NAMES.deployDuration,
      {
        description:
          'Duration of one deployer call, by operation (deploy, status) and outcome',
        unit: 'ms',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
      },
    );
    this.claimsLost = metrics.createCounter(ENGINE_METRIC_NAMES.claimsLost, {
      description:
        'Claims on due work another replica took first, or whose lease lapsed before the write',
      unit: '{claim}',
    });
    this.pagesOwedGauge = metrics.createObservableGauge(
      ENGINE_METRIC_NAMES.pagesOwed,
      {
        description:
          'Pages the outbox still owes on-call, by action (send, resolve); the same for every replica',
        unit: '{page}',
      },
    );
  }

  /**
   * One pass finished after `ms`, having claimed `claimed` lanes. Logs a
   * warning naming the duration and the budget when it ran over.
   */
  passFinished(ms: number, claimed: number): void {
    this.passDuration.record(Math.max(0, ms), { idle: claimed === 0 });
    if (ms > this.passBudgetMs) {
      this.passesOverBudget.add(1);
      this.logger.warn(
        `Promotion engine pass took ${Math.round(ms)} ms, over its budget of ${
          this.passBudgetMs
        } ms (${PASS_BUDGET_CONFIG_KEY}); it claimed ${claimed} lane(s)`,
      );
    }
  }

  /** `n` lanes were due when a pass started (claimed or not). */
  dueBacklog(n: number): void {
    this.backlog.record(n);
  }

  /** The engine evaluated one lane's promotion or deployment. */
  laneEvaluated(kind: LaneKind): void {
    this.laneEvaluations.add(1, { kind });
  }

  /** One evaluation of `gate` ended with `outcome` after `ms`. */
  gateEvaluated(gate: string, outcome: GateOutcome, ms: number): void {
    this.gateDuration.record(Math.max(0, ms), { gate, outcome });
  }

  /** One deployer call ended with `outcome` after `ms`. */
  deployCall(
    operation: DeployOperation,
    outcome: DeployOutcome,
    ms: number,
  ): void {
    this.deployDuration.record(Math.max(0, ms), { operation, outcome });
  }

  /**
   * Runs one gate evaluation (which never throws: `evaluateGate`) and
   * records its duration and outcome; returns its result unchanged.
   */
  async measureGate<T extends Pick<GateResult, 'verdict' | 'errored'>>(
    gate: string,
    evaluate: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const result = await evaluate();
    this.gateEvaluated(
      gate,
      gateOutcomeOf(result),
      performance.now() - started,
    );
    return result;
  }

  /**
   * Runs one deployer call (already bounded by `timeoutMs`) and records its
   * duration and outcome; returns its answer or rethrows its error. A throw
   * at or after `timeoutMs` counts as `timeout`.
   */
  async measureDeployCall<T extends DeployStatus>(
    operation: DeployOperation,
    call: () => Promise<T>,
    timeoutMs: number,
  ): Promise<T> {
    const started = performance.now();
    try {
      const status = await call();
      this.deployCall(
        operation,
        deployOutcomeOf(operation, status),
        performance.now() - started,
      );
      return status;
    } catch (error) {
      const ms = performance.now() - started;
      // Timers may fire a little before the monotonic clock says they should.
      const outcome = ms + TIMER_SLACK_MS >= timeoutMs ? 'timeout' : 'error';
      this.deployCall(operation, outcome, ms);
      throw error;
    }
  }

  /** A claim on due work was lost to another replica or a lapsed lease. */
  claimLost(): void {
    this.claimsLost.add(1);
  }

  /**
   * Reports pages owed at every metrics collection from `read` (a count in
   * the database, so every replica reports the same number). A failed read
   * is logged and reports nothing. Returns a function that stops it.
   */
  observePagesOwed(read: () => Promise<PagesOwed>): () => void {
    const callback: MetricsServiceObservableCallback<{
      action: keyof PagesOwed;
    }> = async result => {
      try {
        const owed = await read();
        result.observe(owed.send, { action: 'send' });
        result.observe(owed.resolve, { action: 'resolve' });
      } catch (error) {
        this.logger.warn(`Could not count the pages owed: ${error}`);
      }
    };
    this.pagesOwedGauge.addCallback(callback);
    return () => this.pagesOwedGauge.removeCallback(callback);
  }
}
