import { HumanDuration } from '@backstage/types';

export interface Config {
  promotion?: {
    deployers?: {
      /**
       * The local-process deployer: runs each deployment as a process on the
       * backend's machine. For the demo and tests, not for production.
       */
      localProcess?: {
        /**
         * Program and arguments to run for every deployment. Default: the
         * backend's Node binary running demo/service/server.js, found by
         * walking up from the working directory. An environment's
         * `deployerConfig.command` overrides it.
         */
        command?: string[];
        /**
         * Directory where running processes are recorded, so a restarted
         * backend re-attaches to them. Default: <os tmpdir>/promotion-local-deployer.
         */
        stateDir?: string;
        /** How long a new process has to pass its health check. Default 15 seconds. */
        startupTimeout?: HumanDuration | string;
        /** Time between SIGTERM and SIGKILL when a process is stopped. Default 5 seconds. */
        stopGracePeriod?: HumanDuration | string;
        /** Loopback ports to choose from (inclusive). Default: any free port. */
        portRange?: {
          from: number;
          to: number;
        };
        /**
         * Stable addresses: per service and environment, a proxy on
         * 127.0.0.1:<port> that forwards to the process serving now, so a
         * warm rollback is a switch of its target. Lanes not listed have none.
         */
        stableAddresses?: Array<{
          /** The service, e.g. component:default/shop (case-insensitive). */
          entityRef: string;
          /** The environment's name in the pipeline. */
          environment: string;
          /** The loopback port the proxy listens on; outside portRange. */
          port: number;
        }>;
      };
    };
  };
}
