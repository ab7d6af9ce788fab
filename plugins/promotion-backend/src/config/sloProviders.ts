import { PipelineConfigError, Pipelines } from './pipelines';

/** Stops start-up when an SLO names a metrics provider that is not installed. */
export function validateSloProviders(
  pipelines: Pipelines,
  providers: Iterable<string>,
): void {
  const known = [...providers];
  for (const pipeline of pipelines.values()) {
    pipeline.environments.forEach((env, e) => {
      if (env.slo && !known.includes(env.slo.provider)) {
        throw new PipelineConfigError(
          `promotion.pipelines.${pipeline.name}.environments[${e}].slo.provider`,
          `unknown metrics provider '${env.slo.provider}' (known: ${known.join(
            ', ',
          )})`,
        );
      }
    });
  }
}
