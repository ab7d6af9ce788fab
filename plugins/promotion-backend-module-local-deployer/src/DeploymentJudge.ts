import type { LoggerService } from '@backstage/backend-plugin-api';
import type { DeployStatus } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { describeExit } from './exitReason';
import { probeHealth } from './health';
import type { LaneRouter } from './LaneRouter';
import type { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import type { ProcessTable } from './ProcessTable';
import { failed, settledStatus } from './records';

/** What a {@link DeploymentJudge} reads and acts through. */
export interface DeploymentJudgeOptions {
  store: ProcessRecordStore;
  table: ProcessTable;
  lanes: LaneRouter;
  logger: LoggerService;
  /** Background work the deployer awaits on close (stops of failed processes). */
  track: <T>(promise: Promise<T>) => Promise<T>;
  /** How long a new process has to pass its health check. */
  startupTimeoutMs: number;
  /** How long one health check may take. */
  healthTimeoutMs: number;
}

/**
 * Says where a recorded deployment stands (starting, healthy, failed and
 * why) from its record, its process and one health check. Kept apart from
 * starting processes because it is the part every status call runs: a
 * failure is recorded once and never changes, and the first healthy answer
 * points the lane's stable address at the process.
 */
export class DeploymentJudge {
  constructor(private readonly options: DeploymentJudgeOptions) {}

  /** The deployment's status now; records the first failure or health. */
  async evaluate(record: ProcessRecord): Promise<DeployStatus> {
    const { store, table, startupTimeoutMs, healthTimeoutMs } = this.options;
    const settled = settledStatus(record);
    if (settled) {
      return settled;
    }
    if (record.servedBy) {
      return this.evaluateSwitched(record, record.servedBy);
    }
    const elapsedMs = Date.now() - Date.parse(record.startedAt);
    if (record.pid === undefined) {
      return elapsedMs > startupTimeoutMs
        ? this.fail(record, 'the process was never started')
        : { state: 'running', detail: 'starting the process' };
    }
    const exit = table.exitOf(record);
    if (exit || !(await table.isAlive(record))) {
      return this.fail(
        record,
        await describeExit(store.logPath(record.key), exit),
      );
    }
    const probe = await probeHealth(
      record.port,
      record.healthPath,
      healthTimeoutMs,
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
    const exitedMeanwhile = await table.exitAfterFailedProbe(record);
    if (exitedMeanwhile) {
      return this.fail(
        record,
        await describeExit(
          store.logPath(record.key),
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
    if (elapsedMs > startupTimeoutMs) {
      return this.fail(
        record,
        `the process was not healthy within ${
          startupTimeoutMs / 1000
        } s of its start: ${probe.reason}`,
        true,
      );
    }
    return { state: 'running', detail: `waiting for health: ${probe.reason}` };
  }

  /** Records the first failure (it never changes) and optionally stops the process. */
  async fail(
    record: ProcessRecord,
    reason: string,
    stopProcess = false,
  ): Promise<DeployStatus> {
    const { store, table, logger, track } = this.options;
    const stored = await store.update(record.key, r =>
      r.failure || r.stoppedBecause ? r : { ...r, failure: reason },
    );
    if (stopProcess) {
      track(table.stop(record));
    }
    logger.warn(
      `Deployment ${record.key} of ${record.entityRef} in ${record.environment} failed: ${reason}`,
    );
    return (stored && settledStatus(stored)) ?? failed(reason);
  }

  /** A switched deployment is as healthy as the warm process serving it. */
  private async evaluateSwitched(
    record: ProcessRecord,
    servedBy: string,
  ): Promise<DeployStatus> {
    const process = await this.options.store.read(servedBy);
    if (!process) {
      return this.fail(record, `the record of deployment ${servedBy} is gone`);
    }
    const status = await this.evaluate(process);
    if (status.state === 'failed') {
      return this.fail(
        record,
        `the warm process of deployment ${servedBy} failed: ${status.reason}`,
      );
    }
    return status.state === 'succeeded'
      ? {
          state: 'succeeded',
          detail: `served by the warm process of deployment ${servedBy}: ${status.detail}`,
        }
      : status;
  }

  private async markHealthy(record: ProcessRecord): Promise<void> {
    const now = new Date().toISOString();
    const stored = await this.options.store.update(record.key, r =>
      r.healthyAt || r.failure || r.stoppedBecause
        ? r
        : { ...r, healthyAt: now, servingSince: now },
    );
    if (stored?.healthyAt === now) {
      await this.options.lanes.serve(stored, stored, now);
    }
  }
}
