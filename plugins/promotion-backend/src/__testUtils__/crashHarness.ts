import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import fs from 'node:fs';
import { join } from 'node:path';
import { readPipelines } from '../config/pipelines';

/** Deployer name the crash pipelines use. */
export const CRASH_DEPLOYER = 'files';

/**
 * dev → staging → prod with a short real-time soak in staging, so kills land
 * in every state: queued, deploying, soaking and verifying.
 */
export const crashPipelines = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          environments: [
            { name: 'dev', deployer: CRASH_DEPLOYER },
            {
              name: 'staging',
              deployer: CRASH_DEPLOYER,
              soak: { milliseconds: 150 },
            },
            { name: 'prod', deployer: CRASH_DEPLOYER },
          ],
        },
      },
    },
  }),
);

/** Engine timings of every crash-test engine: short leases so a killed worker's claims lapse fast. */
export const CRASH_TIMINGS = {
  leaseMs: 300,
  deployPollMs: 40,
  gateRecheckMs: 40,
};

/**
 * A deploy system outside every engine process. Its state lives in files, so
 * it outlives a SIGKILL of the engine that called it, and it honours the
 * idempotency key as a real one would: a key seen before is not deployed again.
 */
export class FileDeploySystem implements Deployer {
  constructor(
    private readonly dir: string,
    /** Which engine process calls, recorded with every call. */
    private readonly caller: string,
    /** How long a fresh deployment reports `running` before it is up. */
    private readonly readyAfterMs = 30,
  ) {}

  /** Creates the folders a fresh deploy system needs. */
  static prepare(dir: string): void {
    fs.mkdirSync(join(dir, 'deployed'), { recursive: true });
  }

  async deploy(request: DeployRequest): Promise<DeployStatus> {
    // Recorded synchronously before anything else: a kill right after still counts the call.
    fs.appendFileSync(
      join(this.dir, 'calls.log'),
      `${request.idempotencyKey} ${this.caller}\n`,
    );
    try {
      // The exclusive create is the deploy itself; it happens at most once per key.
      fs.writeFileSync(this.marker(request), this.caller, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return this.status(request);
  }

  async status(request: DeployRequest): Promise<DeployStatus> {
    let startedAt: number;
    try {
      startedAt = fs.statSync(this.marker(request)).mtimeMs;
    } catch {
      return {
        state: 'failed',
        reason: `no deployment ${request.idempotencyKey}`,
      };
    }
    return Date.now() - startedAt >= this.readyAfterMs
      ? { state: 'succeeded' }
      : { state: 'running' };
  }

  private marker(request: DeployRequest) {
    return join(this.dir, 'deployed', request.idempotencyKey);
  }
}

/** One raw deploy call as the deploy system saw it. */
export interface DeployCall {
  key: string;
  caller: string;
}

/** Reads what the deploy system recorded: every raw call, and the keys it really deployed. */
export function readDeployLedger(dir: string): {
  calls: DeployCall[];
  deployed: Map<string, string>;
} {
  const log = join(dir, 'calls.log');
  const calls = fs.existsSync(log)
    ? fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(line => {
          const [key, caller] = line.split(' ');
          return { key, caller };
        })
    : [];
  const deployed = new Map<string, string>();
  for (const key of fs.readdirSync(join(dir, 'deployed'))) {
    deployed.set(key, fs.readFileSync(join(dir, 'deployed', key), 'utf8'));
  }
  return { calls, deployed };
}

/** Page lease of the crash-test outboxes: short, so a killed sender's pages are taken over fast. */
export const PAGE_CRASH_LEASE_MS = 300;

/** The two pages the page crash test follows. */
export const CRASH_PAGE_KEYS = ['e2e:crash-a', 'auto-rollback:crash-b'];

/**
 * On-call's pager outside every backend process: each page it accepts is a
 * line in a file (written before it answers), so it outlives a SIGKILL of
 * the backend that sent it.
 */
export class FilePager {
  constructor(private readonly dir: string, private readonly caller: string) {}

  async page(page: Omit<Page, 'link'>) {
    fs.appendFileSync(
      join(this.dir, 'pages.log'),
      `trigger ${page.dedupKey} ${this.caller}\n`,
    );
    return { delivered: ['file'], failed: [] };
  }

  async resolve(dedupKey: string) {
    fs.appendFileSync(
      join(this.dir, 'pages.log'),
      `resolve ${dedupKey} ${this.caller}\n`,
    );
  }

  /** Every page the pager accepted, as "<action> <key> <caller>" lines. */
  static read(dir: string): string[] {
    const log = join(dir, 'pages.log');
    return fs.existsSync(log)
      ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)
      : [];
  }
}

/** A logger that keeps warnings and errors for the test to look at instead of printing them. */
export function collectingLogger(
  sink: (level: 'warn' | 'error', message: string) => void,
): LoggerService {
  const logger: LoggerService = {
    error: message => sink('error', message),
    warn: message => sink('warn', message),
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return logger;
}
