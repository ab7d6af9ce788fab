import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Gate } from '@promotion-pipeline/backstage-plugin-promotion-node';
import knexFactory, { Knex } from 'knex';
import { readPipelines } from '../config/pipelines';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { FakeDeployer } from '../__testUtils__/FakeDeployer';
import { connectReplicaWakeups } from './replicaWakeups';
import { PromotionEngine } from './PromotionEngine';

// One slow dependency must only slow its own lane: a gate that hangs for one
// service holds one slot of the worker, and every other service moves on.

const SLOW = 'component:default/slow';
const pipelines = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          environments: [{ name: 'dev', deployer: 'fake', gates: ['health'] }],
        },
      },
    },
  }),
  { deployers: ['fake'], gates: ['health'] },
);

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'engine isolation on %p',
  databaseId => {
    let knex: Knex;
    let engine: PromotionEngine;
    let release: () => void;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
    });

    afterEach(async () => {
      release?.();
      await engine?.stop();
      await knex.destroy();
    });

    it('moves every other service while one service’s gate hangs', async () => {
      const hanging = new Promise<void>(resolve => {
        release = resolve;
      });
      const health: Gate = {
        name: 'health',
        async evaluate(context) {
          if (context.entityRef === SLOW) await hanging;
          return { verdict: 'passed', reason: 'healthy' };
        },
      };
      const gates = new GateRegistry();
      gates.add(health);
      const deployer = new FakeDeployer();
      engine = new PromotionEngine({
        store: await DatabasePromotionStore.fromKnex(knex),
        pipelines,
        deployers: new Map([['fake', deployer]]),
        gates,
        logger: mockServices.logger.mock(),
        timings: { gateTimeoutMs: 20_000, concurrency: 4 },
      });
      const register = (entityRef: string, seed: number) =>
        engine.registerArtifact(
          {
            entityRef,
            digest: digestOf(seed),
            pipeline: 'standard',
            version: `1.0.${seed}`,
            commit: `c${seed}`,
            labels: [],
            changedPaths: [],
          },
          [],
          'ci',
        );

      await register(SLOW, 1);
      const started = Date.now();
      for (let i = 0; i < 10; i++) {
        await register(`component:default/fast-${i}`, 10 + i);
      }
      while (deployer.calls.length < 10 && Date.now() - started < 10_000) {
        await new Promise(r => setTimeout(r, 20));
      }
      expect(deployer.calls.map(c => c.entityRef).sort()).toEqual(
        Array.from(
          { length: 10 },
          (_, i) => `component:default/fast-${i}`,
        ).sort(),
      );
      // The hang is still going on: nothing waited for it.
      expect(Date.now() - started).toBeLessThan(10_000);

      release();
      await engine.runUntilIdle();
      expect(deployer.calls.map(c => c.entityRef)).toContain(SLOW);
    });

    it('hears another replica say that work is due (PostgreSQL)', async () => {
      if (knex.client.config.client !== 'pg') {
        const none = await connectReplicaWakeups({
          knex,
          logger: mockServices.logger.mock(),
          onWake: () => {},
        });
        // Elsewhere the scheduler's tick is the only way: nothing to hear.
        none.notify();
        await none.close();
        return;
      }
      // A second, independent pool on the same database: another replica.
      const other = knexFactory({
        client: 'pg',
        connection: (knex.client.config as Knex.Config).connection,
        pool: { min: 0, max: 2 },
      });
      const heard = { a: 0, b: 0 };
      const a = await connectReplicaWakeups({
        knex,
        logger: mockServices.logger.mock(),
        onWake: () => heard.a++,
      });
      const b = await connectReplicaWakeups({
        knex: other,
        logger: mockServices.logger.mock(),
        onWake: () => heard.b++,
      });
      try {
        a.notify();
        a.notify();
        a.notify();
        const deadline = Date.now() + 5_000;
        while (heard.b < 2 && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 20));
        }
        await new Promise(r => setTimeout(r, 200));
        // The first at once, the rest coalesced into one, and a replica
        // does not wake itself.
        expect(heard).toEqual({ a: 0, b: 2 });
      } finally {
        await a.close();
        await b.close();
        await other.destroy();
      }
    });
  },
);
