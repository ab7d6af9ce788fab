import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { isError } from '@backstage/errors';
import type {
  Deployer,
  DeployRequest,
  DeployStatus,
  StatusCallback,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  readWebhookDeployerSettings,
  resolveWebhookTarget,
  WebhookDeployerSettings,
  WebhookTarget,
} from './config';
import { parseDeployStatusBody } from './response';
import {
  signatureHeaders,
  verifyWebhookSignature,
  WEBHOOK_IDEMPOTENCY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './signature';
import {
  abbreviate,
  describeUrl,
  RetryPolicy,
  sendWebhook,
  WebhookOutcome,
} from './transport';

/** Options of {@link WebhookDeployer.fromConfig}. */
export interface WebhookDeployerOptions {
  logger: LoggerService;
  /** Delay before the first retry, doubling per retry. Default 200 ms. */
  retryBaseDelayMs?: number;
  /** Longest delay between retries. Default 5 s. */
  retryMaxDelayMs?: number;
}

/** The JSON body POSTed to the deploy system. */
export interface WebhookDeployPayload {
  deploymentId: string;
  entityRef: string;
  environment: string;
  artifact: {
    digest: string;
    version: string;
    commit: string;
    labels: string[];
  };
  variables: Record<string, string>;
  secretRefs: string[];
  /**
   * On rollbacks: the earlier deployment of this same artifact in this
   * environment that may still run warm, so a blue/green system can switch
   * back to it instead of starting the artifact again.
   */
  warm?: { deploymentId: string; digest: string };
}

/** Detail reported while no status URL is configured and the callback has not arrived. */
export const WAITING_FOR_CALLBACK = 'waiting for status callback';

/** Builds the webhook body for a deploy request. */
export function toWebhookDeployPayload(
  request: DeployRequest,
): WebhookDeployPayload {
  const { artifact } = request;
  return {
    deploymentId: request.idempotencyKey,
    entityRef: request.entityRef,
    environment: request.environment,
    artifact: {
      digest: artifact.digest,
      version: artifact.version,
      commit: artifact.commit,
      labels: artifact.labels,
    },
    variables: request.variables,
    secretRefs: request.secretRefs,
    ...(request.warm && {
      warm: {
        deploymentId: request.warm.deploymentId,
        digest: request.warm.digest,
      },
    }),
  };
}

type Failed = Extract<DeployStatus, { state: 'failed' }>;

function failed(reason: string): Failed {
  return { state: 'failed', reason };
}

function messageOf(error: unknown): string {
  return isError(error) ? error.message : String(error);
}

/** Deploys by calling the user's deploy system over a signed webhook. */
export class WebhookDeployer implements Deployer {
  /** Reads `promotion.deployers.webhook` from the root config; throws naming the key when it is missing or wrong. */
  static fromConfig(
    config: Config,
    options: WebhookDeployerOptions,
  ): WebhookDeployer {
    return new WebhookDeployer(readWebhookDeployerSettings(config), options);
  }

  private readonly policy: RetryPolicy;

  private constructor(
    private readonly settings: WebhookDeployerSettings,
    private readonly options: WebhookDeployerOptions,
  ) {
    this.policy = {
      retries: settings.retries,
      baseDelayMs: options.retryBaseDelayMs ?? 200,
      maxDelayMs: options.retryMaxDelayMs ?? 5_000,
    };
  }

  /** POSTs the deployment; the deployment id doubles as the Idempotency-Key. */
  async deploy(request: DeployRequest): Promise<DeployStatus> {
    try {
      const target = this.target(request);
      if ('reason' in target) {
        return target;
      }
      const body = JSON.stringify(toWebhookDeployPayload(request));
      const outcome = await sendWebhook(
        {
          method: 'POST',
          url: target.url,
          body,
          timeoutMs: target.timeoutMs,
          headers: () => ({
            'Content-Type': 'application/json',
            Accept: 'application/json',
            [WEBHOOK_IDEMPOTENCY_HEADER]: request.idempotencyKey,
            ...signatureHeaders(this.settings.signingSecret, body, new Date()),
          }),
        },
        this.policy,
        this.options.logger,
      );
      return this.interpret(outcome, `POST ${describeUrl(target.url)}`);
    } catch (error) {
      return failed(`webhook deploy failed: ${messageOf(error)}`);
    }
  }

  /** GETs `<statusUrl>/<deploymentId>` when configured; otherwise waits for the status callback. */
  async status(request: DeployRequest): Promise<DeployStatus> {
    try {
      const target = this.target(request);
      if ('reason' in target) {
        return target;
      }
      if (!target.statusUrl) {
        return {
          state: 'running',
          detail: WAITING_FOR_CALLBACK,
          awaitingCallback: true,
        };
      }
      const url = `${target.statusUrl.replace(/\/+$/, '')}/${encodeURIComponent(
        request.idempotencyKey,
      )}`;
      const outcome = await sendWebhook(
        {
          method: 'GET',
          url,
          timeoutMs: target.timeoutMs,
          headers: () => ({
            Accept: 'application/json',
            ...signatureHeaders(this.settings.signingSecret, '', new Date()),
          }),
        },
        this.policy,
        this.options.logger,
      );
      if (outcome.kind === 'answered' && outcome.status === 404) {
        return failed(
          `deploy system does not know deployment ${request.idempotencyKey}`,
        );
      }
      return this.interpret(outcome, `GET ${describeUrl(url)}`);
    } catch (error) {
      return failed(`webhook status check failed: ${messageOf(error)}`);
    }
  }

  /**
   * A status callback is the deploy system's when it carries a fresh
   * signature made with the same `signingSecret` as the deploy request,
   * over `timestamp + "." + raw body`.
   */
  verifyStatusCallback(callback: StatusCallback): boolean {
    return verifyWebhookSignature(
      this.settings.signingSecret,
      callback.headers[WEBHOOK_TIMESTAMP_HEADER.toLowerCase()],
      callback.rawBody,
      callback.headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()],
      { now: callback.now },
    );
  }

  private target(request: DeployRequest): WebhookTarget | Failed {
    try {
      return resolveWebhookTarget(this.settings, request.config);
    } catch (error) {
      return failed(
        `invalid webhook deployerConfig for environment ${
          request.environment
        }: ${messageOf(error)}`,
      );
    }
  }

  private interpret(outcome: WebhookOutcome, what: string): DeployStatus {
    if (outcome.kind === 'gave-up') {
      return failed(
        `${what} failed after ${outcome.attempts} attempt${
          outcome.attempts === 1 ? '' : 's'
        }: ${outcome.lastError}`,
      );
    }
    if (outcome.status < 200 || outcome.status > 299) {
      return failed(
        `${what} answered HTTP ${outcome.status}${
          outcome.text ? `: ${abbreviate(outcome.text)}` : ''
        }`,
      );
    }
    return parseDeployStatusBody(outcome.text, outcome.truncated);
  }
}
