import { Config, readDurationFromConfig } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';

/** Where the global settings live in app-config. */
export const WEBHOOK_CONFIG_KEY = 'promotion.deployers.webhook';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 3;
const MAX_RETRIES = 10;
// One request never needs longer than a whole deployment is given by default.
const MAX_TIMEOUT_MS = 10 * 60_000;

/** Global settings of the webhook deployer, read once at start-up. */
export interface WebhookDeployerSettings {
  url: string;
  signingSecret: string;
  timeoutMs: number;
  retries: number;
  statusUrl?: string;
}

/** Where one environment's deployments go and how long each request may take. */
export interface WebhookTarget {
  url: string;
  statusUrl?: string;
  timeoutMs: number;
}

// Reads a string leniently so a blank or mistyped value gets our message naming the key.
function readText(
  config: Config,
  key: string,
  label: string,
): string | undefined {
  const value = config.getOptional(key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new Error(`${label} must be a string`);
  }
  return value.trim() === '' ? undefined : value;
}

function readUrl(
  config: Config,
  key: string,
  label: string,
): string | undefined {
  const value = readText(config, key, label)?.trim();
  if (value === undefined) {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${label} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${label} must be an http or https URL`);
  }
  return value;
}

function readTimeoutMs(
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
    throw new Error(
      `${label} is not a valid duration: ${stringifyError(error)}`,
    );
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new Error(`${label} must be longer than zero`);
  }
  if (ms > MAX_TIMEOUT_MS) {
    throw new Error(`${label} must be at most 10 minutes`);
  }
  return ms;
}

/** Reads `promotion.deployers.webhook`; throws an error naming the key when it is missing or wrong. */
export function readWebhookDeployerSettings(
  rootConfig: Config,
): WebhookDeployerSettings {
  const config = rootConfig.getOptionalConfig(WEBHOOK_CONFIG_KEY);
  if (!config) {
    throw new Error(
      `${WEBHOOK_CONFIG_KEY}.url and ${WEBHOOK_CONFIG_KEY}.signingSecret are required by the webhook deployer`,
    );
  }
  const url = readUrl(config, 'url', `${WEBHOOK_CONFIG_KEY}.url`);
  if (!url) {
    throw new Error(
      `${WEBHOOK_CONFIG_KEY}.url is required: the URL your deploy system receives deployments on`,
    );
  }
  const signingSecret = readText(
    config,
    'signingSecret',
    `${WEBHOOK_CONFIG_KEY}.signingSecret`,
  );
  if (!signingSecret) {
    throw new Error(
      `${WEBHOOK_CONFIG_KEY}.signingSecret is required: the HMAC key that signs every request (e.g. \${DEPLOY_WEBHOOK_SECRET})`,
    );
  }
  const retries = config.getOptional('retries') ?? DEFAULT_RETRIES;
  if (
    typeof retries !== 'number' ||
    !Number.isInteger(retries) ||
    retries < 0 ||
    retries > MAX_RETRIES
  ) {
    throw new Error(
      `${WEBHOOK_CONFIG_KEY}.retries must be a whole number from 0 to ${MAX_RETRIES}`,
    );
  }
  return {
    url,
    signingSecret,
    retries,
    timeoutMs:
      readTimeoutMs(config, 'timeout', `${WEBHOOK_CONFIG_KEY}.timeout`) ??
      DEFAULT_TIMEOUT_MS,
    statusUrl: readUrl(config, 'statusUrl', `${WEBHOOK_CONFIG_KEY}.statusUrl`),
  };
}

/**
 * Applies an environment's `deployerConfig` overrides to the global settings;
 * throws an error naming the key when an override is wrong.
 */
export function resolveWebhookTarget(
  settings: WebhookDeployerSettings,
  deployerConfig: Config | undefined,
): WebhookTarget {
  if (!deployerConfig) {
    return {
      url: settings.url,
      statusUrl: settings.statusUrl,
      timeoutMs: settings.timeoutMs,
    };
  }
  return {
    url: readUrl(deployerConfig, 'url', 'deployerConfig.url') ?? settings.url,
    statusUrl:
      readUrl(deployerConfig, 'statusUrl', 'deployerConfig.statusUrl') ??
      settings.statusUrl,
    timeoutMs:
      readTimeoutMs(deployerConfig, 'timeout', 'deployerConfig.timeout') ??
      settings.timeoutMs,
  };
}
