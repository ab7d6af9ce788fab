import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { defaultCommand } from './defaultCommand';

/** Where the global settings live in app-config. */
export const LOCAL_PROCESS_CONFIG_KEY = 'promotion.deployers.localProcess';

/** Default time a new process has to answer its health check. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 15_000;
/** Default time between SIGTERM and SIGKILL when a process is stopped. */
export const DEFAULT_STOP_GRACE_PERIOD_MS = 5_000;
/** Default path of the health check. */
export const DEFAULT_HEALTH_PATH = '/health';

/** Inclusive range of loopback ports processes may listen on. */
export interface PortRange {
  from: number;
  to: number;
}

/** Global settings of the local-process deployer, read once at start-up. */
export interface LocalProcessDeployerSettings {
  /** Command and arguments; absent when none is configured and the demo service cannot be found. */
  command?: string[];
  stateDir: string;
  startupTimeoutMs: number;
  stopGracePeriodMs: number;
  portRange?: PortRange;
  /** Stable address ports per service and environment. */
  stableAddresses: StableAddressConfig[];
}

/** One configured stable address. */
export interface StableAddressConfig {
  entityRef: string;
  environment: string;
  port: number;
}

/** The key of a lane in maps: entity refs compare case-insensitively. */
export function laneKey(entityRef: string, environment: string): string {
  return `${entityRef.toLocaleLowerCase('en-US')}\n${environment}`;
}

/** What to run for one environment and how to tell it is healthy. */
export interface ProcessTarget {
  command: string[];
  healthPath: string;
}

function readCommand(
  config: Config,
  key: string,
  label: string,
): string[] | undefined {
  if (!config.has(key)) {
    return undefined;
  }
  let command: string[];
  try {
    command = config.getStringArray(key);
  } catch {
    throw new Error(`${label} must be a list of strings`);
  }
  if (command.length === 0 || command.some(part => part === '')) {
    throw new Error(
      `${label} must name a program and its arguments, none of them empty`,
    );
  }
  return command;
}

function readDurationMs(
  config: Config,
  key: string,
  label: string,
): number | undefined {
  if (!config.has(key)) {
    return undefined;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new Error(`${label} is not a valid duration: ${String(error)}`);
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${label} must be longer than zero`);
  }
  return ms;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function readPortRange(config: Config, label: string): PortRange | undefined {
  const range = config.getOptionalConfig('portRange');
  if (!range) {
    return undefined;
  }
  const from = range.getNumber('from');
  const to = range.getNumber('to');
  if (!isPort(from) || !isPort(to) || from > to) {
    throw new Error(
      `${label}.portRange must have whole-number ports with 1 <= from <= to <= 65535`,
    );
  }
  return { from, to };
}

function readStableAddresses(
  config: Config,
  label: string,
  portRange: PortRange | undefined,
): StableAddressConfig[] {
  const entries = config.getOptionalConfigArray('stableAddresses') ?? [];
  const ports = new Map<number, string>();
  const lanes = new Set<string>();
  return entries.map((entry, index) => {
    const key = `${label}.stableAddresses[${index}]`;
    const entityRef = entry.getString('entityRef').trim();
    const environment = entry.getString('environment').trim();
    const port = entry.getNumber('port');
    if (!/^[a-z0-9_-]+:[^/\s]+\/[^/\s]+$/i.test(entityRef)) {
      throw new Error(
        `${key}.entityRef must be a full entity ref such as component:default/shop`,
      );
    }
    if (!environment) {
      throw new Error(`${key}.environment must not be empty`);
    }
    if (!isPort(port)) {
      throw new Error(`${key}.port must be a whole number from 1 to 65535`);
    }
    if (portRange && port >= portRange.from && port <= portRange.to) {
      throw new Error(
        `${key}.port ${port} lies inside ${label}.portRange, where processes get their ports`,
      );
    }
    const lane = laneKey(entityRef, environment);
    if (lanes.has(lane)) {
      throw new Error(
        `${key} repeats ${entityRef} ${environment}: one stable address per service and environment`,
      );
    }
    const other = ports.get(port);
    if (other) {
      throw new Error(`${key}.port ${port} is already used by ${other}`);
    }
    lanes.add(lane);
    ports.set(port, key);
    return { entityRef, environment, port };
  });
}

/**
 * Reads `promotion.deployers.localProcess` (all optional); throws an error
 * naming the key when a value is wrong. `cwd` is where the demo service is
 * searched from.
 */
export function readLocalProcessDeployerSettings(
  rootConfig: Config,
  cwd: string = process.cwd(),
): LocalProcessDeployerSettings {
  const config = rootConfig.getOptionalConfig(LOCAL_PROCESS_CONFIG_KEY);
  const label = LOCAL_PROCESS_CONFIG_KEY;
  const stateDir = config?.getOptionalString('stateDir');
  const portRange = config && readPortRange(config, label);
  return {
    command: config
      ? readCommand(config, 'command', `${label}.command`) ??
        defaultCommand(cwd)
      : defaultCommand(cwd),
    stateDir: stateDir
      ? resolve(cwd, stateDir)
      : join(tmpdir(), 'promotion-local-deployer'),
    startupTimeoutMs:
      (config &&
        readDurationMs(config, 'startupTimeout', `${label}.startupTimeout`)) ??
      DEFAULT_STARTUP_TIMEOUT_MS,
    stopGracePeriodMs:
      (config &&
        readDurationMs(
          config,
          'stopGracePeriod',
          `${label}.stopGracePeriod`,
        )) ??
      DEFAULT_STOP_GRACE_PERIOD_MS,
    portRange,
    stableAddresses: config
      ? readStableAddresses(config, label, portRange)
      : [],
  };
}

/**
 * Applies an environment's `deployerConfig` (`command`, `healthPath`) to the
 * global command; throws an error naming the key when an override is wrong.
 */
export function resolveProcessTarget(
  globalCommand: string[] | undefined,
  deployerConfig: Config | undefined,
): ProcessTarget {
  const command =
    (deployerConfig &&
      readCommand(deployerConfig, 'command', 'deployerConfig.command')) ??
    globalCommand;
  if (!command) {
    throw new Error(
      `no command to run: set ${LOCAL_PROCESS_CONFIG_KEY}.command or deployerConfig.command (demo/service/server.js was not found above the working directory)`,
    );
  }
  const healthPath =
    deployerConfig?.getOptional('healthPath') ?? DEFAULT_HEALTH_PATH;
  if (typeof healthPath !== 'string' || !/^\/[^\s]*$/.test(healthPath)) {
    throw new Error(
      'deployerConfig.healthPath must be a path starting with "/" and without spaces',
    );
  }
  return { command, healthPath };
}
