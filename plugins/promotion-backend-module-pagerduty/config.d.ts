import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    pagers?: {
      /** Sends promotion pages to PagerDuty as Events API v2 alert events. */
      pagerduty?: {
        /**
         * The 32-character integration key of an Events API v2 integration,
         * e.g. `${PAGERDUTY_ROUTING_KEY}`.
         * @visibility secret
         */
        routingKey: string;
        /**
         * The enqueue endpoint. Default https://events.pagerduty.com/v2/enqueue
         * (use https://events.eu.pagerduty.com/v2/enqueue for EU accounts).
         */
        url?: string;
        /** How long one request may take. Default 10 seconds. */
        timeout?: HumanDuration | string;
      };
    };
  };
}
