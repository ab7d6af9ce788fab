import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
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
  readLocalProcessDeployerSettings,
  resolveProcessTarget,
} from './config';
import { buildProcessEnvironment } from './environment';
import { probeHealth } from './health';
import { pickFreePort } from './ports';
import {
  ProcessExit,
  ProcessRecord,
  ProcessRecordStore,
} from './ProcessRecordStore';
import {
  StartedProcess,
  isDeploymentProcessAlive,
  signalProcess,
  startProcess,
  waitUntil,
} from './processes';

/** The name pipelines use to choose this deployer. */
export const LOCAL_PROCESS_DEPLOYER_NAME = 'local-process';

/** Processes kept per service and environment: the current one and the warm previous one. */
export const WARM_PROCESSES_PER_ENVIRONMENT = 2;

const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
// After a failed probe, give a dying child this long to report its exit code.
const EXIT_SETTLE_MS = 250;
const KILL_WAIT_MS = 2_000;
const LOG_TAIL_BYTES = 600;

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

function failed(reason: string): DeployStatus {
  return { state: 'failed', reason };
}

/** The final answer for a record whose outcome is already settled, if it is. */
function settledStatus(record: ProcessRecord): DeployStatus | undefined {
  if (record.stoppedBecause) {
    return failed(`stopped: ${record.stoppedBecause}`);
  }
  if (record.failure) {
    return failed(record.failure);
  }
  return undefined;
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs each deployment as a process on this machine, listening on a loopback
 * port, healthy once its health path answers 2xx. For the demo and tests:
 * it really starts the artifact, but knows nothing of hosts, isolation or
 * restarts.
 */
export class LocalProcessDeployer implements Deployer {
  private readonly store: ProcessRecordStore;
  private readonly command?: string[];
  private readonly startupTimeoutMs: number;
  private readonly stopGracePeriodMs: number;
  private readonly healthTimeoutMs: number;
  private readonly portRange?: PortRange;
  private readonly cwd: string;
  private readonly logger: LoggerService;
  private readonly instance = randomUUID();
  private readonly children = new Map<string, StartedProcess>();
  private readonly exits = new Map<string, ProcessExit>();
  private readonly pending = new Set<Promise<unknown>>();
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
    this.store = new ProcessRecordStore(options.stateDir);
    this.command = options.command;
    this.startupTimeoutMs =
      options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    this.stopGracePeriodMs =
      options.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_PERIOD_MS;
    this.healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    this.portRange = options.portRange;
    this.cwd = options.cwd ?? process.cwd();
    this.logger = options.logger ?? silentLogger;
  }

  /** Starts the deployment's process, or reports on the one already started for its key. */
  deploy(request: DeployRequest): Promise<DeployStatus> {
    return this.track(
      this.failClosed('deploy', request, () => this.start(request)),
    );
  }

  /** Reports whether the deployment's process is starting, healthy or failed. */
  status(request: DeployRequest): Promise<DeployStatus> {
    return this.track(
      this.failClosed('status', request, async () => {
        await this.ensureStateDir();
        const record = await this.store.read(request.idempotencyKey);
        if (!record) {
          return failed(
            `no process was started for deployment ${request.idempotencyKey}`,
          );
        }
        return this.evaluate(record);
      }),
    );
  }

  /**
   * Stops every process this deployer started (and those left behind by a
   * backend that is gone), then refuses new deployments.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.drain();
    const targets = new Map<string, ProcessRecord>();
    for (const record of await this.store.list().catch(() => [])) {
      const mine = record.owner?.instance === this.instance;
      // Adopt processes whose backend is gone, so they do not run forever.
      const orphaned = !mine && !(record.owner && isPidAlive(record.owner.pid));
      if (record.pid !== undefined && !record.exit && (mine || orphaned)) {
        targets.set(record.key, record);
      }
    }
    await Promise.all(
      [...this.children.entries()].map(async ([key, started]) => {
        // Stop own children by pid even if their record cannot be read.
        const record = targets.get(key);
        targets.delete(key);
        await this.stop(
          record ?? this.stubRecord(key, started.pid),
          'the backend shut down',
        );
      }),
    );
    await Promise.all(
      [...targets.values()].map(record =>
        this.stop(record, 'the backend shut down'),
      ),
    );
    await this.drain();
  }

  private stubRecord(key: string, pid: number): ProcessRecord {
    return {
      key,
      pid,
      entityRef: '',
      environment: '',
      digest: '',
      version: '',
      command: [],
      healthPath: '',
      port: 0,
      owner: { pid: process.pid, instance: this.instance },
      startedAt: new Date().toISOString(),
    };
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
    const port = await pickFreePort(await this.reservedPorts(), this.portRange);
    const env = buildProcessEnvironment(request, port);
    const record: ProcessRecord = {
      key,
      entityRef: request.entityRef,
      environment: request.environment,
      digest: request.artifact.digest,
      version: request.artifact.version,
      command: target.command,
      healthPath: target.healthPath,
      port,
      owner: { pid: process.pid, instance: this.instance },
      startedAt: new Date().toISOString(),
    };
    if (!(await this.store.claim(record))) {
      // Another call won the race for this key; answer with its record.
      const winner = await this.store.read(key);
      return winner
        ? this.answerExisting(winner, request)
        : failed(`the record of deployment ${key} vanished`);
    }
    let started: StartedProcess;
    try {
      started = await startProcess(
        target.command,
        env,
        this.store.logPath(key),
        this.cwd,
      );
    } catch (error) {
      return this.fail(record, stringifyError(error));
    }
    this.watch(key, started);
    try {
      await this.store.update(key, r => ({ ...r, pid: started.pid }));
    } catch (error) {
      // An unrecorded process could never be found again: do not leave it running.
      await this.stop(this.stubRecord(key, started.pid));
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
    return this.evaluate(record);
  }

  private async evaluate(record: ProcessRecord): Promise<DeployStatus> {
    const settled = settledStatus(record);
    if (settled) {
      return settled;
    }
    const elapsedMs = Date.now() - Date.parse(record.startedAt);
    if (record.pid === undefined) {
      return elapsedMs > this.startupTimeoutMs
        ? this.fail(record, 'the process was never started')
        : { state: 'running', detail: 'starting the process' };
    }
    const exit = this.exits.get(record.key) ?? record.exit;
    if (exit || !(await this.isAlive(record))) {
      return this.fail(record, await this.describeExit(record, exit));
    }
    const probe = await probeHealth(
      record.port,
      record.healthPath,
      this.healthTimeoutMs,
    );
    if (probe.healthy) {
      if (!record.healthyAt) {
        await this.markHealthy(record);
      }
      return {
        state: 'succeeded',
        detail: `pid ${record.pid} on port ${record.port}: ${probe.reason}`,
      };
    }
    const exitedMeanwhile = await this.exitAfterFailedProbe(record);
    if (exitedMeanwhile) {
      return this.fail(
        record,
        await this.describeExit(
          record,
          exitedMeanwhile === 'gone' ? undefined : exitedMeanwhile,
        ),
      );
    }
    if (record.healthyAt) {
      return this.fail(
        record,
        `the process turned unhealthy: ${probe.reason}`,
        true,
      );
    }
    if (elapsedMs > this.startupTimeoutMs) {
      return this.fail(
        record,
        `the process was not healthy within ${
          this.startupTimeoutMs / 1000
        } s of its start: ${probe.reason}`,
        true,
      );
    }
    return { state: 'running', detail: `waiting for health: ${probe.reason}` };
  }

  /** Records the first failure (it never changes) and optionally stops the process. */
  private async fail(
    record: ProcessRecord,
    reason: string,
    stopProcess = false,
  ): Promise<DeployStatus> {
    const stored = await this.store.update(record.key, r =>
      r.failure || r.stoppedBecause ? r : { ...r, failure: reason },
    );
    if (stopProcess) {
      this.track(this.stop(record));
    }
    this.logger.warn(
      `Deployment ${record.key} of ${record.entityRef} in ${record.environment} failed: ${reason}`,
    );
    return (stored && settledStatus(stored)) ?? failed(reason);
  }

  private async markHealthy(record: ProcessRecord): Promise<void> {
    await this.store.update(record.key, r =>
      r.healthyAt || r.failure || r.stoppedBecause
        ? r
        : { ...r, healthyAt: new Date().toISOString() },
    );
    await this.retireOlder(record);
  }

  /**
   * Keeps the newest healthy processes of the record's service and
   * environment (current and warm previous) and stops the older ones.
   */
  private async retireOlder(record: ProcessRecord): Promise<void> {
    const lane: ProcessRecord[] = [];
    for (const other of await this.store.list()) {
      if (
        other.entityRef === record.entityRef &&
        other.environment === record.environment &&
        other.healthyAt &&
        !settledStatus(other) &&
        !(this.exits.get(other.key) ?? other.exit) &&
        (await this.isAlive(other))
      ) {
        lane.push(other);
      }
    }
    lane.sort(
      (a, b) =>
        b.startedAt.localeCompare(a.startedAt) || b.key.localeCompare(a.key),
    );
    for (const old of lane.slice(WARM_PROCESSES_PER_ENVIRONMENT)) {
      this.logger.info(
        `Stopping deployment ${old.key} of ${old.entityRef} in ${old.environment}: replaced by newer deployments`,
      );
      this.track(this.stop(old, 'replaced by newer deployments'));
    }
  }

  /** SIGTERM, then SIGKILL after the grace period. Never signals a pid that is no longer the deployment's. */
  private async stop(record: ProcessRecord, because?: string): Promise<void> {
    const pid = record.pid;
    const gone = async () => !(await this.isAlive(record));
    if (pid === undefined || (await gone())) {
      // Nothing to stop; a dead process keeps its own reason ("process exited").
      return;
    }
    if (because) {
      await this.store
        .update(record.key, r =>
          r.failure || r.stoppedBecause ? r : { ...r, stoppedBecause: because },
        )
        .catch(error =>
          this.logger.warn(
            `Could not record the stop of deployment ${
              record.key
            }: ${stringifyError(error)}`,
          ),
        );
    }
    signalProcess(pid, 'SIGTERM');
    if (await waitUntil(gone, this.stopGracePeriodMs)) {
      return;
    }
    this.logger.warn(
      `Deployment ${record.key} (pid ${pid}) ignored SIGTERM; sending SIGKILL`,
    );
    signalProcess(pid, 'SIGKILL');
    if (!(await waitUntil(gone, KILL_WAIT_MS))) {
      this.logger.error(
        `Deployment ${record.key} (pid ${pid}) survived SIGKILL`,
      );
    }
  }

  private async isAlive(record: ProcessRecord): Promise<boolean> {
    if (record.pid === undefined || this.exits.has(record.key)) {
      return false;
    }
    if (this.children.has(record.key)) {
      return true;
    }
    return isDeploymentProcessAlive(record.pid, record.key);
  }

  /** The exit that explains a failed probe, if the process is in fact gone. */
  private async exitAfterFailedProbe(
    record: ProcessRecord,
  ): Promise<ProcessExit | 'gone' | undefined> {
    const child = this.children.get(record.key);
    if (child) {
      let settle = () => {};
      const later = new Promise<undefined>(resolveLater => {
        settle = () => resolveLater(undefined);
      });
      const timer = setTimeout(settle, EXIT_SETTLE_MS);
      const exit = await Promise.race([child.exited, later]);
      clearTimeout(timer);
      return exit;
    }
    return (await this.isAlive(record))
      ? undefined
      : this.exits.get(record.key) ?? 'gone';
  }

  private async describeExit(
    record: ProcessRecord,
    exit: ProcessExit | undefined,
  ): Promise<string> {
    let reason: string;
    if (!exit) {
      reason =
        'the process exited (its exit code is unknown: it was started by an earlier backend)';
    } else if (exit.signal) {
      reason = `the process exited on signal ${exit.signal}`;
    } else {
      reason = `the process exited with code ${exit.code}`;
    }
    const tail = await this.logTail(record.key);
    return tail ? `${reason}; last output: ${tail}` : reason;
  }

  private async logTail(key: string): Promise<string | undefined> {
    try {
      const handle = await fs.open(this.store.logPath(key), 'r');
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, LOG_TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, size - length);
        const lines = buffer
          .toString('utf8')
          .split('\n')
          .map(line => line.trim())
          .filter(Boolean);
        return lines.slice(-3).join(' | ') || undefined;
      } finally {
        await handle.close();
      }
    } catch {
      return undefined;
    }
  }

  private watch(key: string, started: StartedProcess): void {
    this.children.set(key, started);
    started.exited.then(exit => {
      this.exits.set(key, exit);
      this.children.delete(key);
      this.track(
        this.store
          .update(key, r => (r.exit ? r : { ...r, exit }))
          .catch(error =>
            this.logger.warn(
              `Could not record the exit of deployment ${key}: ${stringifyError(
                error,
              )}`,
            ),
          ),
      );
    });
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

  private track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    settled.then(() => this.pending.delete(settled));
    return promise;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }
}
