/*
 * A promotion engine in its own process, for crash.test.ts to SIGKILL at
 * random points. Run with
 *   node --require @backstage/cli/config/nodeTransform.cjs crashWorker.ts
 * and the environment:
 *   CRASH_DB_CONNECTION  JSON knex connection settings of the test database
 *   CRASH_LEDGER_DIR     folder of the file-backed deploy system
 *   CRASH_WORKER_ID      name recorded with every deploy call this process makes
 * It prints "ready" once connected and starts the engine when it reads "go" on
 * stdin, so the test can boot the next worker while the current one runs. It
 * runs until killed, or until its stdin closes (the test process went away).
 */
import knexFactory from 'knex';
import { createInterface } from 'node:readline';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import { GateRegistry } from '../gates/GateRegistry';
import {
  collectingLogger,
  CRASH_DEPLOYER,
  CRASH_TIMINGS,
  crashPipelines,
  FileDeploySystem,
} from './crashHarness';

async function main() {
  const workerId = process.env.CRASH_WORKER_ID ?? String(process.pid);
  const knex = knexFactory({
    client: 'pg',
    connection: JSON.parse(process.env.CRASH_DB_CONNECTION!),
    pool: { min: 3, max: 3 },
  });
  const go = new Promise<void>(resolve => {
    const input = createInterface({ input: process.stdin });
    input.on('line', line => line === 'go' && resolve());
    // An orphaned worker must not outlive the test.
    input.on('close', () => process.exit(0));
  });

  const store = await DatabasePromotionStore.fromKnex(knex, false);
  const engine = new PromotionEngine({
    store,
    pipelines: crashPipelines,
    deployers: new Map([
      [
        CRASH_DEPLOYER,
        new FileDeploySystem(process.env.CRASH_LEDGER_DIR!, workerId),
      ],
    ]),
    gates: new GateRegistry(),
    logger: collectingLogger((level, message) =>
      process.stderr.write(`${level}: ${message}\n`),
    ),
    timings: CRASH_TIMINGS,
  });
  // Connect the whole pool before "ready": a life should be spent on engine work.
  await Promise.all([1, 2, 3].map(() => knex.raw('select 1')));
  process.stdout.write('ready\n');
  await go;
  for (;;) {
    let worked = 0;
    try {
      worked = await engine.runOnce();
    } catch (error) {
      // As the engine's own drain loop does: log, and try again later.
      process.stderr.write(`error: pass failed: ${error}\n`);
    }
    if (worked === 0) await new Promise(resolve => setTimeout(resolve, 10));
  }
}

main().catch(error => {
  process.stderr.write(`fatal: ${error?.stack ?? error}\n`);
  process.exit(1);
});
