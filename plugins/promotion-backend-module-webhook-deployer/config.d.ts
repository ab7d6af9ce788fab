import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    deployers?: {
      /**
       * The `webhook` deployer: POSTs each deployment, signed, to your deploy
       * system. An environment may override `url`, `timeout` and `statusUrl`
       * in its `deployerConfig` block.
       */
      webhook?: {
        /** Where deployments are POSTed unless an environment overrides it. */
        url: string;
        /**
         * HMAC-SHA256 key signing every request; write `${DEPLOY_WEBHOOK_SECRET}`.
         * @visibility secret
         */
        signingSecret: string;
        /** How long one request may take before it is aborted and retried; at most 10 minutes. Default 10 seconds. */
        timeout?: HumanDuration | string;
        /** Retries after the first attempt on network errors, timeouts, 408, 429 and 5xx. Default 3. */
        retries?: number;
        /**
         * Optional base URL polled as `GET <statusUrl>/<deploymentId>`; without
         * it the deploy system reports through the status callback.
         */
        statusUrl?: string;
      };
    };
  };
}
