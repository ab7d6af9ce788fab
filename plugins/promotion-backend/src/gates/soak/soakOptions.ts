import { ConfigReader, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type { SoakSignal } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { z } from 'zod';
import {
  PipelineConfig,
  PipelineConfigError,
  Pipelines,
} from '../../config/pipelines';

/** The name pipelines use for the soak gate. */
export const SOAK_GATE_NAME = 'soak';

/** The soak gate's options, read from its entry in the pipeline config. */
export interface SoakOptions {
  /** Name of the metrics provider to read (`push`, `prometheus`, …). */
  provider: string;
  /** How long the artifact must run healthy in the source environment. */
  windowMs: number;
  /** Upper bounds per signal; only these signals are read. */
  thresholds: Partial<Record<SoakSignal, number>>;
  /** Passed to the provider as `options.latencyQuantile`. */
  latencyQuantile: 'p95' | 'p99';
  /** What to answer when the provider cannot: `failed` or `pending` (errored either way). */
  onNoData: 'fail' | 'pending';
  /** Step between samples asked of the provider, in seconds. */
  stepSeconds: number;
  /** To pass, each signal's newest sample must be at most this old. */
  maxSampleAgeMs: number;
  /** Provider-specific query overrides, passed as `options.queries`. */
  queries?: Record<string, unknown>;
}

/** A soak option that cannot be used; `key` is the option's path inside the gate entry. */
export class SoakOptionsError extends Error {
  constructor(readonly key: string, readonly problem: string) {
    super(`soak option '${key}' ${problem}`);
    this.name = 'SoakOptionsError';
  }
}

const DEFAULT_STEP_SECONDS = 30;
const MIN_MAX_SAMPLE_AGE_MS = 5 * 60_000;

const threshold = z.number().finite().min(0);
const duration = z.union([z.string(), z.record(z.unknown())]);

const schema = z
  .object({
    provider: z.string().min(1).default('push'),
    window: duration.optional(),
    windowMs: z.number().finite().positive().optional(),
    thresholds: z
      .object({
        errorRate: threshold.max(1).optional(),
        latency: threshold.optional(),
        saturation: threshold.optional(),
      })
      .strict(),
    latencyQuantile: z.enum(['p95', 'p99']).default('p95'),
    onNoData: z.enum(['fail', 'pending']).default('fail'),
    stepSeconds: z.number().finite().positive().max(3600).optional(),
    maxSampleAge: duration.optional(),
    maxSampleAgeMs: z.number().finite().positive().optional(),
    queries: z.record(z.unknown()).optional(),
  })
  .strict();

/** Reads `<name>Ms` (milliseconds) or `<name>` (a Backstage duration); not both. */
function readDuration(
  raw: { [key: string]: unknown },
  name: string,
): number | undefined {
  const ms = raw[`${name}Ms`] as number | undefined;
  const human = raw[name];
  if (ms !== undefined && human !== undefined) {
    throw new SoakOptionsError(name, `and '${name}Ms' are exclusive; set one`);
  }
  if (human === undefined) {
    return ms;
  }
  let value: number;
  try {
    value = durationToMilliseconds(
      readDurationFromConfig(new ConfigReader({ [name]: human }), {
        key: name,
      }),
    );
  } catch (error) {
    throw new SoakOptionsError(
      name,
      `is not a duration such as '15m', '1 hour', 'PT15M' or { minutes: 15 } (${
        (error as Error).message
      })`,
    );
  }
  if (!(value > 0)) {
    throw new SoakOptionsError(name, 'must be longer than zero');
  }
  return value;
}

/** Validates and defaults the soak gate's options; throws a {@link SoakOptionsError} naming the key. */
export function readSoakOptions(options: Record<string, unknown>): SoakOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const key =
      issue.code === 'unrecognized_keys'
        ? [...issue.path, issue.keys[0]].join('.')
        : issue.path.join('.');
    throw new SoakOptionsError(key || '(root)', issue.message);
  }
  const raw = parsed.data;
  const thresholds = Object.fromEntries(
    Object.entries(raw.thresholds).filter(([, v]) => v !== undefined),
  ) as SoakOptions['thresholds'];
  if (Object.keys(thresholds).length === 0) {
    throw new SoakOptionsError(
      'thresholds',
      'must set at least one of errorRate, latency, saturation',
    );
  }
  const windowMs = readDuration(raw, 'window');
  if (windowMs === undefined) {
    throw new SoakOptionsError(
      'window',
      "is required: set 'window' (e.g. '15m') or 'windowMs'",
    );
  }
  const stepSeconds = raw.stepSeconds ?? DEFAULT_STEP_SECONDS;
  return {
    provider: raw.provider,
    windowMs,
    thresholds,
    latencyQuantile: raw.latencyQuantile,
    onNoData: raw.onNoData,
    stepSeconds,
    maxSampleAgeMs:
      readDuration(raw, 'maxSampleAge') ??
      Math.max(MIN_MAX_SAMPLE_AGE_MS, 2 * stepSeconds * 1000),
    ...(raw.queries ? { queries: raw.queries } : {}),
  };
}

/**
 * The soak options that guard promotions out of `environment`: the soak
 * gate sits on the next environment and watches this one.
 */
export function soakOptionsForLane(
  pipeline: PipelineConfig,
  environment: string,
): SoakOptions | undefined {
  const index = pipeline.environments.findIndex(e => e.name === environment);
  const next = index >= 0 ? pipeline.environments[index + 1] : undefined;
  const gate = next?.gates.find(g => g.name === SOAK_GATE_NAME);
  return gate ? readSoakOptions(gate.options) : undefined;
}

/**
 * Checks every soak gate of every pipeline at start-up, so a bad option
 * stops the backend with the key instead of failing every promotion later.
 */
export function validateSoakGates(
  pipelines: Pipelines,
  providers?: Iterable<string>,
): void {
  const known = providers ? [...providers] : undefined;
  for (const pipeline of pipelines.values()) {
    pipeline.environments.forEach((env, e) => {
      env.gates.forEach((gate, g) => {
        if (gate.name !== SOAK_GATE_NAME) return;
        const path = `promotion.pipelines.${pipeline.name}.environments[${e}].gates[${g}]`;
        if (e === 0) {
          throw new PipelineConfigError(
            path,
            'the soak gate watches the environment before this one; the first environment has none',
          );
        }
        let options: SoakOptions;
        try {
          options = readSoakOptions(gate.options);
        } catch (error) {
          if (error instanceof SoakOptionsError) {
            throw new PipelineConfigError(
              `${path}.${error.key}`,
              error.problem,
            );
          }
          throw error;
        }
        if (known && !known.includes(options.provider)) {
          throw new PipelineConfigError(
            `${path}.provider`,
            `unknown metrics provider '${options.provider}' (known: ${
              known.join(', ') || 'none'
            })`,
          );
        }
      });
    });
  }
}
