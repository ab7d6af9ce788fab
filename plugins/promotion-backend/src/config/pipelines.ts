import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { SloConfig, readSloConfig } from '../slo';

/** A gate an environment requires, with that gate's options. */
export interface GateRequirement {
  name: string;
  options: Record<string, unknown>;
}

/** One environment of a pipeline, as configured. */
export interface EnvironmentConfig {
  name: string;
  deployer: string;
  deployerConfig?: Config;
  autoPromote: boolean;
  soakMs: number;
  deployTimeoutMs: number;
  gates: GateRequirement[];
  variables: Record<string, string>;
  secrets: string[];
  /** The SLO auto-rollback watches here: the environment's own, else the pipeline's. */
  slo?: SloConfig;
}

/** A pipeline template: environments in promotion order. */
export interface PipelineConfig {
  name: string;
  environments: EnvironmentConfig[];
}

/** Pipelines by name. */
export type Pipelines = Map<string, PipelineConfig>;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DEFAULT_DEPLOY_TIMEOUT_MS = 10 * 60_000;

/** Thrown for configuration that must stop the backend; the message names the key. */
export class PipelineConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid promotion config at '${key}': ${problem}`);
    this.name = 'PipelineConfigError';
  }
}

function readDurationMs(
  config: Config,
  key: string,
  path: string,
  fallback: number,
): number {
  if (!config.has(key)) {
    return fallback;
  }
  try {
    return durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new PipelineConfigError(
      `${path}.${key}`,
      `unreadable duration (${(error as Error).message})`,
    );
  }
}

function readGates(env: Config, path: string): GateRequirement[] {
  const raw = env.getOptional<unknown[]>('gates') ?? [];
  if (!Array.isArray(raw)) {
    throw new PipelineConfigError(`${path}.gates`, 'must be a list');
  }
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const key = `${path}.gates[${i}]`;
    let gate: GateRequirement;
    if (typeof entry === 'string') {
      gate = { name: entry, options: {} };
    } else if (
      entry &&
      typeof entry === 'object' &&
      typeof (entry as any).name === 'string'
    ) {
      const { name, ...options } = entry as Record<string, unknown>;
      gate = { name: name as string, options };
    } else {
      throw new PipelineConfigError(
        key,
        'must be a gate name or an object with a name',
      );
    }
    if (seen.has(gate.name)) {
      throw new PipelineConfigError(key, `gate '${gate.name}' is listed twice`);
    }
    seen.add(gate.name);
    return gate;
  });
}

function readEnvironment(
  env: Config,
  path: string,
  pipelineSlo: SloConfig | undefined,
): EnvironmentConfig {
  const name = env.getString('name');
  if (!NAME.test(name)) {
    throw new PipelineConfigError(
      `${path}.name`,
      `'${name}' must be lower-case letters, digits and dashes`,
    );
  }
  const variables = env.getOptionalConfig('variables');
  const variableMap: Record<string, string> = {};
  for (const key of variables?.keys() ?? []) {
    variableMap[key] = variables!.getString(key);
  }
  return {
    name,
    deployer: env.getString('deployer'),
    deployerConfig: env.getOptionalConfig('deployerConfig'),
    autoPromote: env.getOptionalBoolean('autoPromote') ?? true,
    soakMs: readDurationMs(env, 'soak', path, 0),
    deployTimeoutMs: readDurationMs(
      env,
      'deployTimeout',
      path,
      DEFAULT_DEPLOY_TIMEOUT_MS,
    ),
    gates: readGates(env, path),
    variables: variableMap,
    secrets: env.getOptionalStringArray('secrets') ?? [],
    slo: readSloConfig(env, 'slo', { path: `${path}.slo` }) ?? pipelineSlo,
  };
}

/**
 * Reads and validates `promotion.pipelines`. Throws a {@link PipelineConfigError}
 * naming the key for anything that would make the engine misbehave later.
 */
export function readPipelines(
  config: Config,
  known: { deployers?: Iterable<string>; gates?: Iterable<string> } = {},
): Pipelines {
  const pipelines: Pipelines = new Map();
  const root = config.getOptionalConfig('promotion.pipelines');
  const deployers = known.deployers ? new Set(known.deployers) : undefined;
  const gates = known.gates ? new Set(known.gates) : undefined;
  for (const pipelineName of root?.keys() ?? []) {
    const path = `promotion.pipelines.${pipelineName}`;
    const pipelineSlo = readSloConfig(root!.getConfig(pipelineName), 'slo', {
      path: `${path}.slo`,
    });
    const envConfigs = root!
      .getConfig(pipelineName)
      .getConfigArray('environments');
    if (envConfigs.length === 0) {
      throw new PipelineConfigError(
        `${path}.environments`,
        'needs at least one environment',
      );
    }
    const environments = envConfigs.map((env, i) => {
      const envPath = `${path}.environments[${i}]`;
      const parsed = readEnvironment(env, envPath, pipelineSlo);
      if (deployers && !deployers.has(parsed.deployer)) {
        throw new PipelineConfigError(
          `${envPath}.deployer`,
          `unknown deployer '${parsed.deployer}' (known: ${
            [...deployers].join(', ') || 'none'
          })`,
        );
      }
      parsed.gates.forEach((gate, g) => {
        if (gates && !gates.has(gate.name)) {
          throw new PipelineConfigError(
            `${envPath}.gates[${g}]`,
            `unknown gate '${gate.name}' (known: ${
              [...gates].join(', ') || 'none'
            })`,
          );
        }
      });
      return parsed;
    });
    const names = new Set<string>();
    environments.forEach((env, i) => {
      if (names.has(env.name)) {
        throw new PipelineConfigError(
          `${path}.environments[${i}].name`,
          `duplicate environment '${env.name}'`,
        );
      }
      names.add(env.name);
    });
    pipelines.set(pipelineName, { name: pipelineName, environments });
  }
  return pipelines;
}
