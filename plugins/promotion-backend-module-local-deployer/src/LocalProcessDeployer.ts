import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import type {
  DeployRequest,
  DeployStatus,
  Deployer,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  DEFAULT_STARTUP_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_PERIOD_MS,
  PortRange,
  StableAddressConfig,
  readLocalProcessDeployerSettings,
  resolveProcessTarget,
} from './config';
import { BackgroundWork } from './background';
import { buildProcessEnvironment } from './environment';
import { DeploymentJudge } from './DeploymentJudge';
import { pickFreePort } from './ports';
import { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import { ProcessTable } from './ProcessTable';
import { StartedProcess, startProcess } from './processes';
import { LaneRouter } from './LaneRouter';
import { failed, newRecord, settledStatus, stubRecord } from './records';
import { stopAllProcesses } from './stopAll';
import { findWarmProcess } from './warm';

/** The name pipelines use to choose this deployer. */
export const LOCAL_PROCESS_DEPLOYER_NAME = 'local-process';

const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** Options of a {@link LocalProcessDeployer}; everything but `stateDir` has a default. */
export interface LocalProcessDeployerOptions {
  /** Directory of the process records (and process logs). */
  stateDir: string;
  /** Program and arguments; environments may override with `deployerConfig.command`. */
  command?: string[];
  /** How long a new process has to pass its health check. Default 15 s. */
  startupTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping. Default 5 s. */
  stopGracePeriodMs?: number;
  /** Ports to choose from; any free ephemeral loopback port when absent. */
  portRange?: PortRange;
  /** Stable addresses (proxies) per service and environment. Default none. */
  stableAddresses?: StableAddressConfig[];
  /** How long one health check may take. Default 2 s. */
  healthTimeoutMs?: number;
  /** Working directory of the processes. Default: the backend's. */
  cwd?: string;
  logger?: LoggerService;
}

const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/**
 * Runs each deployment as a process on this machine, listening on a loopback
 * port, healthy once its health path answers 2xx. A lane with a stable
 * address forwards it to the process serving now; a deployment of an
 * artifact whose process still runs warm switches to it instead of starting
 * one. For the demo and tests: it really starts the artifact, but knows
 * nothing of hosts, isolation or restarts.
 */
export class LocalProcessDeployer implements Deployer {
  private readonly store: ProcessRecordStore;
  private readonly table: ProcessTable;
  private readonly lanes: LaneRouter;
  private readonly judge: DeploymentJudge;
  private readonly command?: string[];
  private readonly portRange?: PortRange;
  private readonly cwd: string;
  private readonly logger: LoggerService;
  private readonly instance = randomUUID();
  private readonly owner = { pid: process.pid, instance: this.instance };
  private readonly background = new BackgroundWork();
  private stateDirReady?: Promise<void>;
  private closing = false;

  /** Builds the deployer from `promotion.deployers.localProcess`; throws on wrong config. */
  static fromConfig(
    config: Config,
    options: { logger?: LoggerService; cwd?: string } = {},
  ): LocalProcessDeployer {
    const settings = readLocalProcessDeployerSettings(config, options.cwd);
    return new LocalProcessDeployer({ ...settings, ...options });
  }

  constructor(options: LocalProcessDeployerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.store = new ProcessRecordStore(options.stateDir);
    this.table = new ProcessTable(
      this.store,
      this.logger,
      options.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_PERIOD_MS,
      this.background.track,
    );
    this.lanes = new LaneRouter(
      options.stableAddresses ?? [],
      this.store,
      this.table,
      this.logger,
      this.background.track,
    );
    this.judge = new DeploymentJudge({
      store: this.store,
      table: this.table,
      lanes: this.lanes,
      logger: this.logger,
      track: this.background.track,
      startupTimeoutMs: options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      healthTimeoutMs: options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    });
    this.command = options.command;
    this.portRange = options.portRange;
    this.cwd = options.cwd ?? process.cwd();
  }

  /** Starts the deployment's process (or switches to a warm one), or reports on it. */
  deploy(request: DeployRequest): Promise<DeployStatus> {
    return this.background.track(
      this.failClosed('deploy', request, () => this.start(request)),
    );
  }

  /** Reports whether the deployment's process is starting, healthy or failed. */
  status(request: DeployRequest): Promise<DeployStatus> {
    return this.background.track(
      this.failClosed('status', request, async () => {
        await this.ensureStateDir();
        const record = await this.store.read(request.idempotencyKey);
        if (!record) {
          return failed(
            `no process was started for deployment ${request.idempotencyKey}`,
          );
        }
        return this.judge.evaluate(record);
      }),
    );
  }

  /** The process a lane's stable address forwards to now; undefined without an address. */
  servingAt(entityRef: string, environment: string) {
    return this.lanes.servingAt(entityRef, environment);
  }

  /**
   * Stops every process this deployer started (and those left behind by a
   * backend that is gone) and its stable addresses, then refuses new deployments.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.background.drain();
    await this.lanes.close();
    await stopAllProcesses(this.store, this.table, this.instance, (key, pid) =>
      stubRecord(key, pid, this.owner),
    );
    await this.background.drain();
  }

  private async start(request: DeployRequest): Promise<DeployStatus> {
    if (this.closing) {
      return failed('the local-process deployer is shut down');
    }
    const key = request.idempotencyKey;
    const target = resolveProcessTarget(this.command, request.config);
    await this.ensureStateDir();
    const existing = await this.store.read(key);
    if (existing) {
      return this.answerExisting(existing, request);
    }
    const warm = await findWarmProcess(request, this.store, this.table);
    if (warm) {
      return this.switchToWarm(request, warm);
    }
    const port = await pickFreePort(await this.reservedPorts(), this.portRange);
    const record = newRecord(request, this.owner, { ...target, port });
    if (!(await this.store.claim(record))) {
      return this.answerClaimed(request);
    }
    let started: StartedProcess;
    try {
      started = await startProcess(
        target.command,
        buildProcessEnvironment(request, port),
        this.store.logPath(key),
        this.cwd,
      );
    } catch (error) {
      return this.judge.fail(record, stringifyError(error));
    }
    this.table.watch(key, started);
    try {
      await this.store.update(key, r => ({ ...r, pid: started.pid }));
    } catch (error) {
      // An unrecorded process could never be found again: do not leave it running.
      await this.table.stop(stubRecord(key, started.pid, this.owner));
      throw error;
    }
    this.logger.info(
      `Started ${request.entityRef} ${request.artifact.digest} in ${request.environment}: pid ${started.pid}, port ${port}`,
    );
    return {
      state: 'running',
      detail: `started pid ${started.pid} on port ${port}`,
    };
  }

  /**
   * The warm switch: the deployment is served by the running process of an
   * earlier deployment of the same artifact. Nothing starts; the lane's
   * stable address points at that process before this call returns.
   */
  private async switchToWarm(
    request: DeployRequest,
    warm: ProcessRecord,
  ): Promise<DeployStatus> {
    const now = new Date().toISOString();
    const alias = newRecord(request, this.owner, {
      command: warm.command,
      healthPath: warm.healthPath,
      port: warm.port,
      servedBy: warm.key,
      startedAt: now,
      healthyAt: now,
      servingSince: now,
    });
    if (!(await this.store.claim(alias))) {
      return this.answerClaimed(request);
    }
    await this.lanes.serve(alias, warm, now);
    this.logger.info(
      `Switched ${request.entityRef} ${request.environment} to the warm process of deployment ${warm.key} (${warm.digest}, pid ${warm.pid}, port ${warm.port}) for deployment ${alias.key}`,
    );
    return {
      state: 'succeeded',
      detail: `switched to the warm process of deployment ${warm.key} (pid ${warm.pid} on port ${warm.port})`,
    };
  }

  /** Another call won the race for this key; answer with its record. */
  private async answerClaimed(request: DeployRequest): Promise<DeployStatus> {
    const winner = await this.store.read(request.idempotencyKey);
    return winner
      ? this.answerExisting(winner, request)
      : failed(`the record of deployment ${request.idempotencyKey} vanished`);
  }

  private async answerExisting(
    record: ProcessRecord,
    request: DeployRequest,
  ): Promise<DeployStatus> {
    if (
      record.digest !== request.artifact.digest ||
      record.entityRef !== request.entityRef ||
      record.environment !== request.environment
    ) {
      return failed(
        `deployment ${record.key} is already recorded for ${record.entityRef} ${record.digest} in ${record.environment}`,
      );
    }
    return this.judge.evaluate(record);
  }

  private async reservedPorts(): Promise<Set<number>> {
    const ports = new Set<number>();
    for (const record of await this.store.list()) {
      if (!record.exit && !settledStatus(record)) {
        ports.add(record.port);
      }
    }
    return ports;
  }

  private ensureStateDir(): Promise<void> {
    if (!this.stateDirReady) {
      this.stateDirReady = this.store.init().catch(error => {
        // Let the next call try again.
        this.stateDirReady = undefined;
        throw error;
      });
    }
    return this.stateDirReady;
  }

  private async failClosed(
    operation: string,
    request: DeployRequest,
    run: () => Promise<DeployStatus>,
  ): Promise<DeployStatus> {
    try {
      return await run();
    } catch (error) {
      const reason = `local-process ${operation} failed: ${stringifyError(
        error,
      )}`;
      this.logger.error(`Deployment ${request.idempotencyKey}: ${reason}`);
      return failed(reason);
    }
  }
}
