import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Continuous deployment across environments. */
  promotion?: {
    /**
     * Pipeline templates, chosen per catalog entity with the
     * `promotion.backstage.io/pipeline` annotation.
     */
    pipelines?: {
      [pipelineName: string]: {
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
        }>;
      };
    };
    /** How often the scheduler re-evaluates gates, soaks and stuck work. Default 5 seconds. */
    schedule?: HumanDuration | string;
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
    /** Health samples kept for soak graphs and the push metrics provider. */
    soakSamples?: {
      /** How long samples are kept. Default 30 days; keep it longer than the longest soak window. */
      retention?: HumanDuration | string;
    };
  };
}
