import type {
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { ProcessRecord } from './ProcessRecordStore';

/** A failed status with its reason. */
export function failed(reason: string): DeployStatus {
  return { state: 'failed', reason };
}

/** The final answer for a record whose outcome is already settled, if it is. */
export function settledStatus(record: ProcessRecord): DeployStatus | undefined {
  if (record.stoppedBecause) {
    return failed(`stopped: ${record.stoppedBecause}`);
  }
  if (record.failure) {
    return failed(record.failure);
  }
  return undefined;
}

/** When the record's process last became the one serving its lane. */
export function servingSince(record: ProcessRecord): string {
  return record.servingSince ?? record.healthyAt ?? record.startedAt;
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Which backend process and deployer instance started a process. */
export type ProcessOwner = ProcessRecord['owner'];

/** A new record for `request` (its deployment, artifact and lane) with the given fields. */
export function newRecord(
  request: DeployRequest,
  owner: ProcessOwner,
  fields: Pick<ProcessRecord, 'command' | 'healthPath' | 'port'> &
    Partial<ProcessRecord>,
): ProcessRecord {
  return {
    key: request.idempotencyKey,
    entityRef: request.entityRef,
    environment: request.environment,
    digest: request.artifact.digest,
    version: request.artifact.version,
    owner,
    startedAt: new Date().toISOString(),
    ...fields,
  };
}

/** A stand-in record to stop an own child by pid when its record cannot be read. */
export function stubRecord(
  key: string,
  pid: number,
  owner: ProcessOwner,
): ProcessRecord {
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
    owner,
    startedAt: new Date().toISOString(),
  };
}
