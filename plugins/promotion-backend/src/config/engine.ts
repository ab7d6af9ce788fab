import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';

/** How often the scheduler re-evaluates gates, soaks and stuck work. */
export function readEngineSchedule(config: Config): HumanDuration {
  return config.has('promotion.schedule')
    ? readDurationFromConfig(config, { key: 'promotion.schedule' })
    : { seconds: 5 };
}

/** How often the burn rate of every environment with an SLO is evaluated. */
export function readAutoRollbackSchedule(config: Config): HumanDuration {
  return config.has('promotion.autoRollback.schedule')
    ? readDurationFromConfig(config, { key: 'promotion.autoRollback.schedule' })
    : { seconds: 30 };
}
