import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';

/** How often the scheduler re-evaluates gates, soaks and stuck work. */
export function readEngineSchedule(config: Config): HumanDuration {
  return config.has('promotion.schedule')
    ? readDurationFromConfig(config, { key: 'promotion.schedule' })
    : { seconds: 5 };
}
