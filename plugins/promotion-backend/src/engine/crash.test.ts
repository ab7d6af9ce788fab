import { TestDatabases } from '@backstage/backend-test-utils';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Knex } from 'knex';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import {
  checkDeploymentHistories,
  checkNewestVerified,
  checkNothingLeft,
  checkPromotions,
  countRemainingWork,
  deploymentHistories,
  expectNoViolations,
  readSnapshot,
  waitUntilDisconnected,
} from '../__testUtils__/concurrencyChecks';
import {
  collectingLogger,
  CRASH_DEPLOYER,
  CRASH_TIMINGS,
  crashPipelines,
  FileDeploySystem,
  readDeployLedger,
} from '../__testUtils__/crashHarness';
import { digestOf } from '../__testUtils__/databases';
import { PromotionEngine } from './PromotionEngine';

const SERVICES = 5;
const ARTIFACTS = 30;
const MAX_KILLS = 60;
// Keeps the file near a minute on a busy machine; the final clean run finishes the rest.
const KILL_PHASE_MS = 35_000;
const REGISTERED_PER_LIFE = 3;
// Booting a worker (TypeScript transform, knex) takes longer than a life.
const STANDBY_WORKERS = 2;
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

const WORKER_SCRIPT = join(__dirname, '../__testUtils__/crashWorker.ts');
const TRANSFORM = require.resolve('@backstage/cli/config/nodeTransform.cjs');

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** One engine process: boots, waits for "go", runs until SIGKILLed. */
class EngineProcess {
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  stderr = '';
  private readonly child: ChildProcess;

  constructor(readonly id: string, env: Record<string, string>) {
    this.child = spawn(
      process.execPath,
      ['--require', TRANSFORM, WORKER_SCRIPT],
      {
        env: { ...process.env, ...env, CRASH_WORKER_ID: id },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.child.stderr!.on('data', chunk => {
      this.stderr += chunk;
    });
    this.exited = new Promise(resolve =>
      this.child.once('exit', () => resolve()),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.stdout!.on(
        'data',
        chunk => String(chunk).includes('ready') && resolve(),
      );
      this.exited.then(() =>
        reject(new Error(`worker ${id} died while booting: ${this.stderr}`)),
      );
    });
    // Rejections of `ready` are awaited by whoever starts the worker.
    this.ready.catch(() => {});
  }

  go() {
    this.child.stdin!.write('go\n');
  }

  async kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

/** Small seeded PRNG so the registration plan is the same on every run. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});

describe('the promotion engine killed at random points', () => {
  const processes: EngineProcess[] = [];
  let knex: Knex | undefined;
  let ledgerDir: string | undefined;

  afterEach(async () => {
    await Promise.all(processes.map(p => p.kill()));
    if (knex) {
      const connection = knex.client.config.connection as Knex.ConnectionConfig;
      await knex.destroy();
      // The killed workers' sessions must be gone before TestDatabases drops the database.
      await waitUntilDisconnected(connection);
    }
    if (ledgerDir) fs.rmSync(ledgerDir, { recursive: true, force: true });
  }, 30_000);

  it(`SIGKILLs a worker engine up to ${MAX_KILLS} times over ${ARTIFACTS} artifacts of ${SERVICES} services: nothing stuck, no deploy doubled`, async () => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'This test kills engine processes sharing a PostgreSQL database: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING to a PostgreSQL 15 server (CI always does)',
      );
    }
    knex = await databases.init('POSTGRES_15');
    const store = await DatabasePromotionStore.fromKnex(knex);
    ledgerDir = fs.mkdtempSync(join(os.tmpdir(), 'promotion-crash-'));
    FileDeploySystem.prepare(ledgerDir);
    const workerEnv = {
      CRASH_DB_CONNECTION: JSON.stringify(knex.client.config.connection),
      CRASH_LEDGER_DIR: ledgerDir,
    };

    // Registers only: a stopped engine does not kick in-process work, so all
    // of the pipeline runs in the worker processes being killed.
    const registrar = new PromotionEngine({
      store,
      pipelines: crashPipelines,
      deployers: new Map(),
      gates: new GateRegistry(),
      logger: collectingLogger(() => {}),
    });
    await registrar.stop();
    const random = mulberry32(4242);
    const plan = Array.from({ length: ARTIFACTS }, (_, n) => ({
      service: Math.floor(random() * SERVICES),
      n,
    }));
    const newest = new Map<string, string>();
    const registerNext = async (count: number) => {
      for (const { service, n } of plan.splice(0, count)) {
        const entityRef = `component:default/service-${service}`;
        const digest = digestOf(`crash-${n}`);
        await registrar.registerArtifact(
          {
            entityRef,
            digest,
            pipeline: 'standard',
            version: `1.0.${n}`,
            commit: `c${n}`,
            labels: [],
            changedPaths: [],
          },
          [],
          'ci',
        );
        newest.set(entityRef, digest);
      }
    };

    const started = Date.now();
    const boot = () => {
      const worker = new EngineProcess(
        `worker-${processes.length + 1}`,
        workerEnv,
      );
      processes.push(worker);
      return worker;
    };
    // Workers boot ahead of time, so a kill is followed at once by a takeover.
    const standby = Array.from({ length: STANDBY_WORKERS }, boot);
    let kills = 0;
    const killPhaseEnds = Date.now() + KILL_PHASE_MS;
    while (kills < MAX_KILLS && Date.now() < killPhaseEnds) {
      await registerNext(REGISTERED_PER_LIFE);
      if (plan.length === 0 && (await countRemainingWork(knex)) === 0) break;
      const worker = standby.shift()!;
      await worker.ready;
      standby.push(boot());
      worker.go();
      await sleep(50 + random() * 450);
      await worker.kill();
      kills++;
    }
    await Promise.all(standby.map(w => w.kill()));
    await registerNext(plan.length);

    // A final clean run (a backend that stays up) finishes whatever is left,
    // once the leases of the last killed worker lapse.
    const problems: string[] = [];
    const survivor = new PromotionEngine({
      store,
      pipelines: crashPipelines,
      deployers: new Map([
        [CRASH_DEPLOYER, new FileDeploySystem(ledgerDir, 'final')],
      ]),
      gates: new GateRegistry(),
      logger: collectingLogger((level, message) =>
        problems.push(`${level}: ${message}`),
      ),
      timings: CRASH_TIMINGS,
    });
    const deadline = Date.now() + 15_000;
    while ((await countRemainingWork(knex)) > 0 && Date.now() < deadline) {
      if ((await survivor.runOnce()) === 0) await sleep(20);
    }
    await survivor.stop();
    const elapsedMs = Date.now() - started;

    const snapshot = await readSnapshot(knex);
    const histories = deploymentHistories(snapshot);
    const { calls, deployed } = readDeployLedger(ledgerDir);
    const callsByKey = new Map<string, string[]>();
    for (const call of calls) {
      callsByKey.set(call.key, [
        ...(callsByKey.get(call.key) ?? []),
        call.caller,
      ]);
    }
    const ledgerViolations: string[] = [];
    for (const deployment of snapshot.deployments) {
      const history = histories.get(deployment.id) ?? [];
      const callers = callsByKey.get(deployment.id) ?? [];
      const where = `deployment ${deployment.id} (${deployment.entity_ref} ${
        deployment.environment
      }, ${history.join(' → ')})`;
      if (!history.includes('deploying') && callers.length > 0) {
        ledgerViolations.push(
          `${where}: deployed although it never left queued`,
        );
      }
      // A kill between "deploying" and the call may leave a superseded one
      // undeployed; anything that got further must have been deployed.
      if (history.includes('soaking') && !deployed.has(deployment.id)) {
        ledgerViolations.push(`${where}: soaking without a deploy`);
      }
      // A repeat is fine only as a re-send by the next process after a kill:
      // no process may call twice for one key, and the surviving engine only last.
      if (new Set(callers).size !== callers.length) {
        ledgerViolations.push(
          `${where}: one process called deploy twice: [${callers.join(', ')}]`,
        );
      }
      if (callers.slice(0, -1).includes('final')) {
        ledgerViolations.push(
          `${where}: called again after the surviving engine: [${callers.join(
            ', ',
          )}]`,
        );
      }
      if (deployment.deploy_calls > callers.length) {
        ledgerViolations.push(
          `${where}: engine counted ${deployment.deploy_calls} calls, deploy system saw ${callers.length}`,
        );
      }
    }
    for (const key of callsByKey.keys()) {
      if (!snapshot.deployments.some(d => d.id === key)) {
        ledgerViolations.push(`deploy call for unknown key ${key}`);
      }
    }

    const resentKeys = [...callsByKey.values()].filter(c => c.length > 1);
    const figures = {
      elapsedMs,
      kills,
      deployments: snapshot.deployments.length,
      rawDeployCalls: calls.length,
      distinctKeys: callsByKey.size,
      effectiveDeploys: deployed.size,
      resentKeys: resentKeys.length,
      resends: resentKeys.reduce((n, c) => n + c.length - 1, 0),
      finalEngineCalls: calls.filter(c => c.caller === 'final').length,
      workerErrors: processes.filter(p => /fatal|error:/.test(p.stderr)).length,
      survivorWarnings: problems.length,
    };
    // Jest output stays clean; set this to a folder to keep the figures.
    if (process.env.PROMOTION_STRESS_REPORT) {
      fs.writeFileSync(
        join(process.env.PROMOTION_STRESS_REPORT, 'crash.json'),
        JSON.stringify(
          {
            figures,
            workerStderr: processes
              .map(p => p.stderr)
              .filter(Boolean)
              .slice(0, 10),
            problems: problems.slice(0, 10),
          },
          null,
          2,
        ),
      );
    }
    expect(kills).toBeGreaterThan(0);
    expect(snapshot.artifacts).toHaveLength(ARTIFACTS);
    expectNoViolations(figures, {
      'nothing left in flight or leased': checkNothingLeft(snapshot),
      'legal state sequences, no transition twice':
        checkDeploymentHistories(snapshot),
      'deploys happen once; re-sends only after a kill': ledgerViolations,
      'every promotion ended once, with its one deployment':
        checkPromotions(snapshot),
      'newest artifact verified everywhere': checkNewestVerified(
        snapshot,
        newest,
        ENVIRONMENTS,
      ),
    });
  }, 120_000);
});
