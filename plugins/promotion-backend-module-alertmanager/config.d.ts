import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    alertSources?: {
      /**
       * Reads firing alerts from Prometheus Alertmanager (API v2) for the
       * incident gate: an environment whose gate names `source: alertmanager`
       * stops promotions while a matching alert fires.
       */
      alertmanager?: {
        /**
         * Base URL of Alertmanager, including any route prefix, e.g.
         * http://alertmanager:9093; `/api/v2/alerts` is appended.
         */
        url: string;
        /** How long one read may take; keep it under the gate timeout. Default 5 seconds. */
        timeout?: HumanDuration | string;
      };
    };
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
