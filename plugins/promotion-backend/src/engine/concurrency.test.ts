import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import { join } from 'node:path';
import { readPipelines } from '../config/pipelines';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import { ManualClock } from '../__testUtils__/clock';
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
import { collectingLogger } from '../__testUtils__/crashHarness';
import { digestOf } from '../__testUtils__/databases';
import { PromotionEngine } from './PromotionEngine';

const SERVICES = 20;
const ARTIFACTS_PER_SERVICE = 10;
const ENVIRONMENTS = ['dev', 'staging', 'prod'];
// Long enough that no lease lapses while its holder works; the driver moves
// the clock past it only when both engines are idle, to free the claims of
// passes that failed (e.g. a deadlock victim).
const LEASE_MS = 60_000;
// Each older artifact with this index fails to deploy in staging: exercises the failed exit.
const FAILS_IN_STAGING = 4;

const pipelines = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          environments: ENVIRONMENTS.map(name => ({
            name,
            deployer: 'ledger',
          })),
        },
      },
    },
  }),
);

/** The deploy system both engines talk to: the edge of the world, so a fake that counts. */
class SharedLedger {
  readonly calls = new Map<string, string[]>();

  deployerFor(engine: string): Deployer {
    const outcome = (request: DeployRequest): DeployStatus =>
      request.environment === 'staging' &&
      request.artifact.version.endsWith(`.${FAILS_IN_STAGING}`)
        ? { state: 'failed', reason: 'image pull failed' }
        : { state: 'succeeded' };
    return {
      deploy: async request => {
        const calls = this.calls.get(request.idempotencyKey) ?? [];
        calls.push(engine);
        this.calls.set(request.idempotencyKey, calls);
        // A real deploy call crosses the network; this is when others get to run.
        await new Promise(resolve =>
          setTimeout(resolve, 20 + Math.random() * 30),
        );
        return outcome(request);
      },
      status: async request => outcome(request),
    };
  }
}

/** Small seeded PRNG so the registration order is the same on every run. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});

describe('two promotion engines on one PostgreSQL', () => {
  const pools: Knex[] = [];
  const engines: PromotionEngine[] = [];

  afterEach(async () => {
    await Promise.all(engines.map(e => e.stop()));
    const connection = pools[0]?.client.config.connection as
      | Knex.ConnectionConfig
      | undefined;
    await Promise.all(pools.map(p => p.destroy()));
    // TestDatabases drops the database afterwards, which needs every session gone.
    if (connection) await waitUntilDisconnected(connection);
  }, 30_000);

  it(`runs ${
    SERVICES * ARTIFACTS_PER_SERVICE
  } artifacts over ${SERVICES} services: every transition once, every deployment deployed once`, async () => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'This test is about PostgreSQL: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING to a PostgreSQL 15 server (CI always does)',
      );
    }
    const first = await databases.init('POSTGRES_15');
    pools.push(first);
    // A second, independent pool: two engines that share nothing but the database.
    const second = knexFactory({
      client: 'pg',
      connection: (first.client.config as Knex.Config).connection,
      pool: { min: 0, max: 5 },
    });
    pools.push(second);

    // Every read moves time on by 1 ms, so rows get distinct, ordered timestamps.
    const clock = new ManualClock();
    const now = () => {
      clock.advance(1);
      return clock.now();
    };
    const ledger = new SharedLedger();
    const problems: string[] = [];
    const stores = [
      await DatabasePromotionStore.fromKnex(first),
      await DatabasePromotionStore.fromKnex(second, false),
    ];
    stores.forEach((store, i) =>
      engines.push(
        new PromotionEngine({
          store,
          pipelines,
          deployers: new Map([['ledger', ledger.deployerFor(`engine${i}`)]]),
          gates: new GateRegistry(),
          logger: collectingLogger((level, message) =>
            problems.push(`engine${i} ${level}: ${message}`),
          ),
          clock: now,
          timings: { leaseMs: LEASE_MS, concurrency: 10 },
        }),
      ),
    );

    // Per-service sequences interleaved at random: runs of one service's
    // artifacts arrive while the earlier ones are still in flight.
    const random = mulberry32(20261123);
    const next = Array.from({ length: SERVICES }, () => 0);
    const order: Array<{ service: number; index: number }> = [];
    while (order.length < SERVICES * ARTIFACTS_PER_SERVICE) {
      const open = next.flatMap((n, s) =>
        n < ARTIFACTS_PER_SERVICE ? [s] : [],
      );
      const service = open[Math.floor(random() * open.length)];
      order.push({ service, index: next[service]++ });
    }
    const serviceRef = (s: number) => `component:default/service-${s}`;
    const newest = new Map<string, string>();

    let registering = true;
    const register = async () => {
      for (const [n, { service, index }] of order.entries()) {
        const digest = digestOf(`s${service}-a${index}`);
        await engines[n % 2].registerArtifact(
          {
            entityRef: serviceRef(service),
            digest,
            pipeline: 'standard',
            version: `1.${service}.${index}`,
            commit: `c${service}-${index}`,
            labels: [],
            changedPaths: [],
          },
          [],
          'ci',
        );
        newest.set(serviceRef(service), digest);
        if (random() < 0.3) await sleep(random() * 4);
      }
      registering = false;
    };
    // Both engines drain concurrently while CI registers; registration also kicks them.
    const drive = async (engine: PromotionEngine) => {
      while (registering) {
        await engine.tick();
        await sleep(1);
      }
    };
    const started = Date.now();
    await Promise.all([register(), ...engines.map(drive)]);

    // Drain to the end; when both are idle with work left, that work is held by
    // a lease of a failed pass: let the lease lapse and go again.
    let leaseLapses = 0;
    for (;;) {
      await Promise.all(engines.map(e => e.runUntilIdle()));
      if ((await countRemainingWork(first)) === 0 || leaseLapses >= 20) break;
      clock.advance(LEASE_MS + 1);
      leaseLapses++;
    }
    const elapsedMs = Date.now() - started;
    await Promise.all(engines.map(e => e.stop()));

    const snapshot = await readSnapshot(first);
    const histories = deploymentHistories(snapshot);
    const deployCallViolations: string[] = [];
    for (const deployment of snapshot.deployments) {
      const reachedDeploying = histories
        .get(deployment.id)
        ?.includes('deploying');
      const calls = ledger.calls.get(deployment.id) ?? [];
      if (calls.length !== (reachedDeploying ? 1 : 0)) {
        deployCallViolations.push(
          `deployment ${deployment.id} (${deployment.entity_ref} ${
            deployment.environment
          }, ${histories
            .get(deployment.id)
            ?.join(' → ')}): deploy called by [${calls.join(', ')}]`,
        );
      }
    }
    const unknownKeys = [...ledger.calls.keys()].filter(
      key => !snapshot.deployments.some(d => d.id === key),
    );

    const figures = {
      elapsedMs,
      leaseLapses,
      artifacts: snapshot.artifacts.length,
      promotions: snapshot.promotions.length,
      deployments: snapshot.deployments.length,
      deployed: [...histories.values()].filter(h => h.includes('deploying'))
        .length,
      supersededWhileQueued: [...histories.values()].filter(
        h => h.join() === 'queued,superseded',
      ).length,
      deployCalls: [...ledger.calls.values()].reduce((n, c) => n + c.length, 0),
      warnings: problems.length,
    };
    // Jest output stays clean; set this to a folder to keep the figures.
    if (process.env.PROMOTION_STRESS_REPORT) {
      fs.writeFileSync(
        join(process.env.PROMOTION_STRESS_REPORT, 'concurrency.json'),
        JSON.stringify({ figures, problems: problems.slice(0, 20) }, null, 2),
      );
    }
    expect(snapshot.artifacts).toHaveLength(SERVICES * ARTIFACTS_PER_SERVICE);
    expectNoViolations(figures, {
      'nothing left in flight or leased': checkNothingLeft(snapshot),
      'legal state sequences, no transition twice':
        checkDeploymentHistories(snapshot),
      'one deploy call per deployment that left queued': [
        ...deployCallViolations,
        ...unknownKeys.map(key => `deploy call for unknown key ${key}`),
      ],
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
