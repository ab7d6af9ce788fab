import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases } from '../__testUtils__/databases';
import { laneOf } from '../__testUtils__/pipelineApi';

/*
 * Each lane of the pipeline view names the freeze calendar its window gate
 * reads, the freeze in force and the next one, before anything was ever
 * deployed (a person looks ahead, not only while a promotion waits).
 */

const config = {
  promotion: {
    calendars: {
      'prod-calendar': {
        timezone: 'Europe/Berlin',
        deny: [
          {
            name: 'friday-afternoon',
            days: ['fri'],
            from: '14:00',
            to: '24:00',
            reason: 'No Friday-afternoon deploys',
          },
          {
            name: 'on-call-handoff',
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            from: '09:00',
            to: '10:00',
            reason: 'On-call handoff hour',
          },
        ],
        blackouts: [
          {
            name: 'black-friday',
            start: '2026-11-27T00:00',
            end: '2026-11-30T00:00',
            reason: 'Black Friday weekend',
          },
        ],
      },
    },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [{ name: 'window', calendar: 'prod-calendar' }],
          },
        ],
      },
    },
  },
};

const PIPELINE =
  '/api/promotion/v1/services/component/default/payments/pipeline';
const reader = mockCredentials.user.header('user:default/alice');
const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'lane calendars on %p',
  databaseId => {
    const clock = new ManualClock('2026-11-23T07:30:00Z');
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeAll(async () => {
      backend = await startPromotionBackend({
        knex: await databases.init(databaseId),
        config,
        entities: [serviceEntity('payments')],
        clock: clock.now,
      });
    });
    afterAll(() => backend.stop());

    const lanes = async () => {
      const res = await request(backend.server)
        .get(PIPELINE)
        .set('Authorization', reader);
      expect(res.status).toBe(200);
      return res.body;
    };

    it('shows the next freeze of an open calendar and nothing on a lane without one', async () => {
      // Monday 08:30 in Berlin: the handoff hour comes next.
      clock.set('2026-11-23T07:30:00Z');
      const view = await lanes();
      expect(laneOf(view, 'dev').calendar).toBeUndefined();
      expect(laneOf(view, 'prod').calendar).toEqual({
        name: 'prod-calendar',
        timezone: 'Europe/Berlin',
        nextFreeze: {
          rule: 'on-call-handoff',
          reason: 'On-call handoff hour',
          start: '2026-11-23T08:00:00.000Z',
          end: '2026-11-23T09:00:00.000Z',
        },
      });
    });

    it('while frozen, names the freeze, the open time and the freeze after it', async () => {
      // Friday 27 Nov 13:00 in Berlin, inside Black Friday: open again on
      // Monday 00:00, and that Monday's handoff hour comes next.
      clock.set('2026-11-27T12:00:00Z');
      expect(laneOf(await lanes(), 'prod').calendar).toEqual({
        name: 'prod-calendar',
        timezone: 'Europe/Berlin',
        frozen: {
          rule: 'black-friday',
          reason: 'Black Friday weekend',
          until: '2026-11-29T23:00:00.000Z',
        },
        nextFreeze: {
          rule: 'on-call-handoff',
          reason: 'On-call handoff hour',
          start: '2026-11-30T08:00:00.000Z',
          end: '2026-11-30T09:00:00.000Z',
        },
      });
    });
  },
);
