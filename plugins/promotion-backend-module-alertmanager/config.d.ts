import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    pagers?: {
      /** Sends promotion pages to Prometheus Alertmanager as alerts (API v2). */
      alertmanager?: {
        /**
         * Base URL of Alertmanager, including any route prefix, e.g.
         * http://alertmanager:9093; `/api/v2/alerts` is appended.
         */
        url: string;
        /** How long one request may take. Default 10 seconds. */
        timeout?: HumanDuration | string;
        /**
         * How long a triggered page stays firing when nobody resolves or
         * re-triggers it; Alertmanager resolves it after that. Default 24 hours.
         */
        autoResolveAfter?: HumanDuration | string;
        /**
         * Static labels added to every alert, for routing (e.g. team, cluster).
         * `alertname` and `dedup_key` are set by the pager and cannot be used.
         */
        labels?: { [name: string]: string };
      };
    };
  };
}
