import { PipelineConfigError, Pipelines } from '../../config/pipelines';
import { INCIDENT_GATE_NAME, readIncidentOptions } from './incidentGate';
import { matcherProblem } from './matchers';

export {
  createIncidentGate,
  INCIDENT_GATE_NAME,
  INCIDENT_RECHECK_MS,
} from './incidentGate';
export { renderMatchers } from './matchers';

/**
 * Stops start-up on an incident gate that names an unknown alert source or
 * a matcher that does not parse, naming the key.
 */
export function validateIncidentGates(
  pipelines: Pipelines,
  sources: Iterable<string>,
): void {
  const known = [...sources];
  for (const pipeline of pipelines.values()) {
    pipeline.environments.forEach((env, i) =>
      env.gates.forEach((gate, g) => {
        if (gate.name !== INCIDENT_GATE_NAME) return;
        const key = `promotion.pipelines.${pipeline.name}.environments[${i}].gates[${g}]`;
        let options;
        try {
          options = readIncidentOptions(gate.options);
        } catch (error) {
          throw new PipelineConfigError(key, (error as Error).message);
        }
        if (!known.includes(options.source)) {
          throw new PipelineConfigError(
            `${key}.source`,
            `unknown alert source '${options.source}' (known: ${
              known.join(', ') ||
              'none: add a module such as the Alertmanager one and configure promotion.alertSources'
            })`,
          );
        }
        options.matchers.forEach((matcher, m) => {
          const problem = matcherProblem(matcher);
          if (problem) {
            throw new PipelineConfigError(`${key}.matchers[${m}]`, problem);
          }
        });
      }),
    );
  }
}
