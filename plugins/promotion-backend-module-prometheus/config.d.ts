import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    metrics?: {
      /** The `prometheus` metrics provider (module `@promotion-pipeline/backstage-plugin-promotion-backend-module-prometheus`). */
      prometheus?: {
        /**
         * Base URL of the Prometheus HTTP API (or a compatible one such as
         * Thanos or Mimir), e.g. `http://prometheus:9090`. Required when the
         * module is installed.
         */
        baseUrl: string;
        /**
         * How long one query may take before it counts as failed. Default 10
         * seconds; at most promotion.engine.gateTimeout (soak queries run
         * inside a gate evaluation), or the backend refuses to start.
         */
        timeout?: HumanDuration | string;
        /**
         * PromQL templates replacing the defaults. Placeholders: {{name}},
         * {{namespace}}, {{kind}}, {{entityRef}}, {{environment}}, {{digest}}
         * (inside double-quoted strings only; escaped) and {{window}}.
         */
        queries?: {
          /** Fraction of requests that failed; one series. */
          errorRate?: string;
          /** Latency (default p95, seconds); one series. */
          latency?: string;
          /** Saturation (0..1 by convention); one series. */
          saturation?: string;
          /** Good requests over {{window}}; one series. */
          sloGood?: string;
          /** All requests over {{window}}; one series. */
          sloTotal?: string;
        };
      };
    };
  };
}
