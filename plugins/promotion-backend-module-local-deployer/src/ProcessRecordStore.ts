import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** How a process ended, as seen by the deployer that started it. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
  at: string;
}

/** What the deployer remembers of one deployment's process, one JSON file each. */
export interface ProcessRecord {
  /** The deployment id (idempotency key). */
  key: string;
  entityRef: string;
  environment: string;
  digest: string;
  version: string;
  command: string[];
  healthPath: string;
  port: number;
  /** Absent between the claim and the spawn. */
  pid?: number;
  /** The backend process and deployer instance that started it. */
  owner: { pid: number; instance: string };
  startedAt: string;
  /** When the health check first passed. */
  healthyAt?: string;
  /** When the process last became the one serving its lane (healthy, or switched back to). */
  servingSince?: string;
  /**
   * Set on a warm switch: this deployment runs no process of its own but is
   * served by the warm process of deployment `servedBy` (same artifact).
   */
  servedBy?: string;
  exit?: ProcessExit;
  /** Why the deployment failed; once set it never changes. */
  failure?: string;
  /** Why the deployer stopped a process that was still good; never changes either. */
  stoppedBecause?: string;
}

/**
 * Keeps process records as files in one directory, so a restarted backend
 * (or a second deployer) re-attaches to processes started before. Writes
 * are atomic (temp file + rename); a claim is atomic across processes.
 */
export class ProcessRecordStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  /** Creates the directory if needed. */
  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  private fileBase(key: string): string {
    // Keys are caller-chosen strings; a hash keeps them out of path syntax.
    return join(
      this.dir,
      createHash('sha256').update(key).digest('hex').slice(0, 40),
    );
  }

  /** Where the process's stdout and stderr go. */
  logPath(key: string): string {
    return `${this.fileBase(key)}.log`;
  }

  private recordPath(key: string): string {
    return `${this.fileBase(key)}.json`;
  }

  private async writeTemp(record: ProcessRecord): Promise<string> {
    const temp = join(this.dir, `.${randomUUID()}.tmp`);
    await fs.writeFile(temp, JSON.stringify(record, null, 2));
    return temp;
  }

  /** Records a new deployment unless its key is already recorded; true when this call won. */
  async claim(record: ProcessRecord): Promise<boolean> {
    const temp = await this.writeTemp(record);
    try {
      // link() fails when the target exists: exactly one claimant wins.
      await fs.link(temp, this.recordPath(record.key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return false;
      }
      throw error;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** The record of `key`; undefined when none. Throws when the file is unreadable. */
  async read(key: string): Promise<ProcessRecord | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.recordPath(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
    const record = parseRecord(text);
    if (!record || record.key !== key) {
      throw new Error(`process record of deployment ${key} is corrupt`);
    }
    return record;
  }

  /** Every readable record; unreadable files are skipped. */
  async list(): Promise<ProcessRecord[]> {
    const names = await fs.readdir(this.dir);
    const records: ProcessRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = parseRecord(
          await fs.readFile(join(this.dir, name), 'utf8'),
        );
        if (record) records.push(record);
      } catch {
        // Removed or being replaced meanwhile; the next listing sees it.
      }
    }
    return records;
  }

  /**
   * Read-modify-write of one record, serialised per key within this process.
   * Returns the record as stored afterwards, or undefined when there is none.
   */
  async update(
    key: string,
    change: (record: ProcessRecord) => ProcessRecord,
  ): Promise<ProcessRecord | undefined> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = await this.read(key);
      if (!current) return undefined;
      const updated = change(current);
      if (updated !== current) {
        const temp = await this.writeTemp(updated);
        await fs.rename(temp, this.recordPath(key));
      }
      return updated;
    });
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }
}

function parseRecord(text: string): ProcessRecord | undefined {
  try {
    const value = JSON.parse(text);
    if (
      value &&
      typeof value.key === 'string' &&
      typeof value.entityRef === 'string' &&
      typeof value.environment === 'string' &&
      typeof value.port === 'number' &&
      typeof value.startedAt === 'string' &&
      (value.pid === undefined || Number.isInteger(value.pid))
    ) {
      return value as ProcessRecord;
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}
