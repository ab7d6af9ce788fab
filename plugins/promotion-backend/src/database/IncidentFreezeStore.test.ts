import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { IncidentFreezeStore } from './IncidentFreezeStore';

const databases = createTestDatabases();

const SERVICE = 'component:default/shop';
const T0 = new Date('2026-12-06T10:00:00Z');
const T1 = new Date('2026-12-06T10:00:15Z');
const T2 = new Date('2026-12-06T10:02:00Z');
const alert = (name: string) => ({
  id: `fp-${name}`,
  name,
  labels: { alertname: name, service: 'shop' },
  startsAt: '2026-12-06T09:59:00Z',
});

describe.each(databases.eachSupportedId())(
  'IncidentFreezeStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabasePromotionStore;
    let freezes: IncidentFreezeStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabasePromotionStore.create({
        database: { getClient: async () => knex } as DatabaseService,
      });
      freezes = new IncidentFreezeStore(knex);
    });

    afterEach(async () => {
      await knex.destroy();
    });

    const events = async () =>
      (await store.listEvents(SERVICE, { kind: 'incident' })).items
        .map(e => ({ kind: e.kind, environment: e.environment, at: e.at }))
        .sort((a, b) => a.at.localeCompare(b.at));

    it('starts a freeze once, keeps its alerts current, and ends it once', async () => {
      const lane = { entityRef: SERVICE, environment: 'prod' };
      const first = { ...lane, source: 'alertmanager', reason: 'A firing' };

      expect(await freezes.freeze({ ...first, alerts: [alert('A')] }, T0)).toBe(
        true,
      );
      expect(
        await freezes.freeze(
          { ...first, reason: 'A, B firing', alerts: [alert('A'), alert('B')] },
          T1,
        ),
      ).toBe(false);
      expect(await freezes.list(SERVICE)).toEqual([
        {
          ...lane,
          source: 'alertmanager',
          reason: 'A, B firing',
          alerts: [alert('A'), alert('B')],
          startedAt: T0,
          updatedAt: T1,
        },
      ]);

      expect(await freezes.thaw(lane, T2)).toBe(true);
      expect(await freezes.thaw(lane, T2)).toBe(false);
      expect(await freezes.list(SERVICE)).toEqual([]);

      expect(await events()).toEqual([
        {
          kind: 'incident.freeze.started',
          environment: 'prod',
          at: T0.toISOString(),
        },
        {
          kind: 'incident.freeze.ended',
          environment: 'prod',
          at: T2.toISOString(),
        },
      ]);
      const ended = (
        await store.listEvents(SERVICE, { kind: 'incident.freeze.ended' })
      ).items[0];
      expect(ended.actor).toBe('engine');
      expect(ended.details).toEqual({
        source: 'alertmanager',
        startedAt: T0.toISOString(),
        durationSeconds: 120,
        lastAlerts: [
          { id: 'fp-A', name: 'A', startsAt: '2026-12-06T09:59:00Z' },
          { id: 'fp-B', name: 'B', startsAt: '2026-12-06T09:59:00Z' },
        ],
      });
    });

    it('starts a freeze exactly once when replicas look at the same moment', async () => {
      const freeze = {
        entityRef: SERVICE,
        environment: 'prod',
        source: 'alertmanager',
        reason: 'A firing',
        alerts: [alert('A')],
      };
      const others = [1, 2, 3].map(() => new IncidentFreezeStore(knex));
      const started = await Promise.all(
        [freezes, ...others].map(s => s.freeze(freeze, T0)),
      );
      expect(started.filter(Boolean)).toHaveLength(1);
      expect((await events()).map(e => e.kind)).toEqual([
        'incident.freeze.started',
      ]);
    });

    it('keeps lanes apart', async () => {
      const base = { source: 'alertmanager', reason: 'A', alerts: [] };
      await freezes.freeze(
        { ...base, entityRef: SERVICE, environment: 'prod' },
        T0,
      );
      await freezes.freeze(
        { ...base, entityRef: SERVICE, environment: 'staging' },
        T0,
      );
      expect(
        await freezes.thaw({ entityRef: SERVICE, environment: 'dev' }, T1),
      ).toBe(false);
      expect((await freezes.list(SERVICE)).map(f => f.environment)).toEqual([
        'prod',
        'staging',
      ]);
    });
  },
);
