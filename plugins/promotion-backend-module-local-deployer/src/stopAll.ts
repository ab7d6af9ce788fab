import type { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import type { ProcessTable } from './ProcessTable';
import { isPidAlive } from './records';

const SHUTDOWN = 'the backend shut down';

/**
 * Stops every process deployer `instance` started, and those left behind by
 * a backend that is gone (so they do not run forever).
 */
export async function stopAllProcesses(
  store: ProcessRecordStore,
  table: ProcessTable,
  instance: string,
  stubRecord: (key: string, pid: number) => ProcessRecord,
): Promise<void> {
  const targets = new Map<string, ProcessRecord>();
  for (const record of await store.list().catch(() => [])) {
    const mine = record.owner?.instance === instance;
    const orphaned = !mine && !(record.owner && isPidAlive(record.owner.pid));
    if (record.pid !== undefined && !record.exit && (mine || orphaned)) {
      targets.set(record.key, record);
    }
  }
  await Promise.all(
    table.ownChildren().map(async ([key, started]) => {
      // Stop own children by pid even if their record cannot be read.
      const record = targets.get(key);
      targets.delete(key);
      await table.stop(record ?? stubRecord(key, started.pid), SHUTDOWN);
    }),
  );
  await Promise.all(
    [...targets.values()].map(record => table.stop(record, SHUTDOWN)),
  );
}
