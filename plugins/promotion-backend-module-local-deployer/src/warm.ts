import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { probeHealth } from './health';
import type { ProcessRecord, ProcessRecordStore } from './ProcessRecordStore';
import type { ProcessTable } from './ProcessTable';
import { servingSince, settledStatus } from './records';

// "Still answers" is a quick look, not a startup wait.
const WARM_PROBE_TIMEOUT_MS = 500;

function sameLane(record: ProcessRecord, request: DeployRequest): boolean {
  return (
    record.entityRef.toLocaleLowerCase('en-US') ===
      request.entityRef.toLocaleLowerCase('en-US') &&
    record.environment === request.environment
  );
}

/**
 * A running, healthy process of the request's artifact in its lane that a
 * deployment can switch to instead of starting one: the one the engine named
 * warm first, else the one that served last. Each candidate must still answer
 * its health check.
 */
export async function findWarmProcess(
  request: DeployRequest,
  store: ProcessRecordStore,
  table: ProcessTable,
): Promise<ProcessRecord | undefined> {
  const records = await store.list();
  const byKey = new Map(records.map(r => [r.key, r]));
  const named = request.warm && byKey.get(request.warm.deploymentId);
  const namedProcess = named?.servedBy ? byKey.get(named.servedBy) : named;
  const candidates = records
    .filter(
      r =>
        !r.servedBy &&
        r.healthyAt &&
        r.digest === request.artifact.digest &&
        sameLane(r, request) &&
        !settledStatus(r) &&
        !table.exitOf(r),
    )
    .sort(
      (a, b) =>
        Number(b === namedProcess) - Number(a === namedProcess) ||
        servingSince(b).localeCompare(servingSince(a)),
    );
  for (const candidate of candidates) {
    if (!(await table.isAlive(candidate))) continue;
    const probe = await probeHealth(
      candidate.port,
      candidate.healthPath,
      WARM_PROBE_TIMEOUT_MS,
    );
    if (probe.healthy) return candidate;
  }
  return undefined;
}
