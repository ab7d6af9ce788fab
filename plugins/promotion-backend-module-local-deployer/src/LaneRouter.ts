import type { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import type { StableAddressConfig } from './config';
import type { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import type { ProcessTable } from './ProcessTable';
import { servingSince, settledStatus } from './records';
import { AddressTarget, StableAddresses } from './stableAddress';

/** Processes kept per service and environment: the current one and the warm previous one. */
export const WARM_PROCESSES_PER_ENVIRONMENT = 2;

/**
 * Which process serves each lane: points the lane's stable address at it and
 * keeps it and the one that served before (warm) running, stopping older ones.
 */
export class LaneRouter {
  private readonly addresses: StableAddresses;

  constructor(
    configs: StableAddressConfig[],
    private readonly store: ProcessRecordStore,
    private readonly table: ProcessTable,
    private readonly logger: LoggerService,
    private readonly track: <T>(promise: Promise<T>) => Promise<T>,
  ) {
    this.addresses = new StableAddresses(configs, logger);
  }

  /**
   * Makes `process` (its own, or a warm one switched back to) the process
   * serving deployment `record`'s lane, as of `since`.
   */
  async serve(
    record: ProcessRecord,
    process: ProcessRecord,
    since: string,
  ): Promise<void> {
    if (process.key !== record.key) {
      await this.store.update(process.key, r => ({
        ...r,
        servingSince: since,
      }));
    }
    try {
      await this.addresses.of(record.entityRef, record.environment)?.switchTo({
        deploymentId: record.key,
        digest: record.digest,
        port: process.port,
      });
    } catch (error) {
      // The process serves on its own port either way; the address is a convenience.
      this.logger.warn(stringifyError(error));
    }
    await this.retireOlder(record);
  }

  /** Where the lane's stable address forwards now; undefined without an address. */
  servingAt(entityRef: string, environment: string): AddressTarget | undefined {
    return this.addresses.of(entityRef, environment)?.current();
  }

  /** Stops listening on every stable address. */
  close(): Promise<void> {
    return this.addresses.close();
  }

  /**
   * Keeps the processes of the record's lane that served last (current and
   * warm previous) and stops the older ones.
   */
  async retireOlder(record: ProcessRecord): Promise<void> {
    const lane: ProcessRecord[] = [];
    for (const other of await this.store.list()) {
      if (
        !other.servedBy &&
        other.entityRef === record.entityRef &&
        other.environment === record.environment &&
        other.healthyAt &&
        !settledStatus(other) &&
        !this.table.exitOf(other) &&
        (await this.table.isAlive(other))
      ) {
        lane.push(other);
      }
    }
    lane.sort(
      (a, b) =>
        servingSince(b).localeCompare(servingSince(a)) ||
        b.key.localeCompare(a.key),
    );
    for (const old of lane.slice(WARM_PROCESSES_PER_ENVIRONMENT)) {
      this.logger.info(
        `Stopping deployment ${old.key} of ${old.entityRef} in ${old.environment}: replaced by newer deployments`,
      );
      this.track(this.table.stop(old, 'replaced by newer deployments'));
    }
  }
}
