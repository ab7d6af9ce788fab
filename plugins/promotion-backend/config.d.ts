import { HumanDuration } from '@backstage/types';

/** An SLO whose error-budget burn rate rolls a deployment back automatically. */
interface SloConfig {
  /** Fraction of requests that must be good, 0 < objective < 1 (0.999, not 99.9). */
  objective: number;
  /** Period the budget is spent over; informational. Default 30 days. */
  period?: HumanDuration | string;
  /** How long a window pair must keep firing before the rollback. Default 2 minutes. */
  sustain?: HumanDuration | string;
  /** Requests the long window needs before its burn rate counts. Default 100. */
  minRequests?: number;
  /** Window pairs; default the SRE workbook's 1h/5m at 14.4x and 6h/30m at 6x. */
  windows?: Array<{
    long: HumanDuration | string;
    short: HumanDuration | string;
    burnRate: number;
  }>;
  /** Metrics provider the good/total counts come from. Default push. */
  provider?: string;
  /** Provider-specific options (e.g. PromQL templates for the Prometheus provider). */
  providerOptions?: { [key: string]: unknown };
  /** How long after a rollout turned healthy auto-rollback leaves it to settle. Default 1 minute. */
  settle?: HumanDuration | string;
}

export interface Config {
  /** Continuous deployment across environments. */
  promotion?: {
    /**
     * Pipeline templates, chosen per catalog entity with the
     * `promotion.backstage.io/pipeline` annotation.
     */
    pipelines?: {
      [pipelineName: string]: {
        /** SLO for every environment of the pipeline that does not set its own. */
        slo?: SloConfig;
        /** Environments in promotion order; the first one receives every merge. */
        environments: Array<{
          /** Environment name, unique within the pipeline (e.g. dev, staging, prod). */
          name: string;
          /** Name of a deployer added by a backend module (e.g. local-process, webhook). */
          deployer: string;
          /** Deployer-specific settings for this environment. */
          deployerConfig?: { [key: string]: unknown };
          /**
           * Promote verified artifacts from the previous environment into this
           * one automatically once every gate passes. Default true.
           */
          autoPromote?: boolean;
          /** How long a deployment must run healthy here before it is verified. Default 0. */
          soak?: HumanDuration | string;
          /** How long the deployer may take before the deployment fails. Default 10 minutes. */
          deployTimeout?: HumanDuration | string;
          /**
           * Gates a promotion into this environment must pass: a gate name or
           * an object with `name` and that gate's options.
           */
          gates?: Array<string | { name: string; [option: string]: unknown }>;
          /** Environment variables handed to the deployer. Not secret. */
          variables?: { [name: string]: string };
          /** Names of secrets the deployer resolves itself; values never live here. */
          secrets?: string[];
          /** SLO auto-rollback watches here; overrides the pipeline's. */
          slo?: SloConfig;
        }>;
      };
    };
    /**
     * How often the scheduler claims due work that no event announced (a
     * soak window ending, a freeze ending, an expired lease). Default 5 seconds.
     */
    schedule?: HumanDuration | string;
    engine?: {
      /**
       * Longest one gate evaluation (and one burn-rate metrics query) may
       * take before it counts as failed. Default 10 seconds, at most 30.
       * A metrics provider's own query timeout must not exceed it.
       */
      gateTimeout?: HumanDuration | string;
      /**
       * How long one engine pass may take before the engine logs a warning
       * naming its duration and this budget (and counts it in
       * promotion.engine.pass.over_budget). Default 2 seconds, at most 60.
       */
      passBudget?: HumanDuration | string;
      /**
       * How many due deployments one replica works on at once (1 to 200,
       * default 8). A slow deploy system holds one slot.
       */
      concurrency?: number;
      /**
       * How many due promotions one replica evaluates at once (1 to 5000,
       * default 2000). Promotions evaluated together share their database
       * reads and writes; a slow gate holds one slot.
       */
      evaluationConcurrency?: number;
    };
    /** Automatic rollback on error-budget burn rate. */
    autoRollback?: {
      /** How often burn rates are evaluated. Default 30 seconds. */
      schedule?: HumanDuration | string;
    };
    /** Freeze calendars for the `window` gate, chosen per environment with the gate option `calendar`. */
    calendars?: {
      [calendarName: string]: {
        /** IANA time zone all local times of this calendar are read in, e.g. Europe/Berlin. */
        timezone: string;
        /** Recurring freeze windows. */
        deny?: Array<{
          /** Unique within the calendar. */
          name: string;
          days: Array<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'>;
          /** Local start time HH:mm (inclusive). */
          from: string;
          /** Local end time HH:mm (exclusive), after `from`; '24:00' is the end of the day. */
          to: string;
          reason: string;
        }>;
        /** One-off freeze periods. */
        blackouts?: Array<{
          /** Unique within the calendar. */
          name: string;
          /** Local date-time in the calendar's zone (2026-11-27T00:00) or ISO instant with offset; inclusive. */
          start: string;
          /** Same forms as `start`; exclusive; after `start`. */
          end: string;
          reason: string;
        }>;
      };
    };
    /**
     * What the API reuses briefly: catalog lookups, allowed reads, and a
     * service's pipeline answer while its version (ETag) is unchanged.
     */
    readCache?: {
      /** How long one is reused. Default 3 seconds; 0 turns the cache off; at most 60 seconds. */
      ttl?: HumanDuration | string;
    };
    /** Health samples kept for soak graphs and the push metrics provider. */
    soakSamples?: {
      /** How long samples are kept. Default 30 days; keep it longer than the longest soak window. */
      retention?: HumanDuration | string;
    };
  };
}
