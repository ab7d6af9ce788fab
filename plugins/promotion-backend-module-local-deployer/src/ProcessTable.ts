import type { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import type {
  ProcessExit,
  ProcessRecord,
  ProcessRecordStore,
} from './ProcessRecordStore';
import {
  StartedProcess,
  isDeploymentProcessAlive,
  signalProcess,
  waitUntil,
} from './processes';

// After a failed probe, give a dying child this long to report its exit code.
const EXIT_SETTLE_MS = 250;
const KILL_WAIT_MS = 2_000;

/**
 * What this deployer knows of the processes it started (children and their
 * exits) and how it stops a process; records of other backends are checked
 * by pid and deployment id.
 */
export class ProcessTable {
  private readonly children = new Map<string, StartedProcess>();
  private readonly exits = new Map<string, ProcessExit>();

  constructor(
    private readonly store: ProcessRecordStore,
    private readonly logger: LoggerService,
    private readonly stopGracePeriodMs: number,
    /** Keeps background work visible to the deployer's drain. */
    private readonly track: <T>(promise: Promise<T>) => Promise<T>,
  ) {}

  /** Remembers a started child and records its exit when it comes. */
  watch(key: string, started: StartedProcess): void {
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

  /** Own children still running, by deployment id. */
  ownChildren(): Array<[string, StartedProcess]> {
    return [...this.children.entries()];
  }

  /** The exit of a record's process as known here or recorded. */
  exitOf(record: ProcessRecord): ProcessExit | undefined {
    return this.exits.get(record.key) ?? record.exit;
  }

  async isAlive(record: ProcessRecord): Promise<boolean> {
    if (record.pid === undefined || this.exits.has(record.key)) {
      return false;
    }
    if (this.children.has(record.key)) {
      return true;
    }
    return isDeploymentProcessAlive(record.pid, record.key);
  }

  /** The exit that explains a failed probe, if the process is in fact gone. */
  async exitAfterFailedProbe(
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

  /** SIGTERM, then SIGKILL after the grace period. Never signals a pid that is no longer the deployment's. */
  async stop(record: ProcessRecord, because?: string): Promise<void> {
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
}
