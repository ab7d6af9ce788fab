import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Pager } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { promotionPagersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PagerDutyPager } from './PagerDutyPager';
import promotionModulePagerDuty from './index';

async function startWith(data: object) {
  const pagers = new Map<string, Pager>();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        promotionPagersExtensionPoint,
        { addPager: (name: string, pager: Pager) => pagers.set(name, pager) },
      ],
    ],
    features: [
      promotionModulePagerDuty,
      mockServices.rootConfig.factory({ data }),
    ],
  });
  return { backend, pagers };
}

describe('promotionModulePagerDuty', () => {
  it('adds the pagerduty pager', async () => {
    const { backend, pagers } = await startWith({
      promotion: {
        pagers: {
          pagerduty: { routingKey: '0123456789abcdef0123456789abcdef' },
        },
      },
    });
    try {
      expect([...pagers.keys()]).toEqual(['pagerduty']);
      expect(pagers.get('pagerduty')).toBeInstanceOf(PagerDutyPager);
    } finally {
      await backend.stop();
    }
  });

  it('stops the backend at start-up when the block has no routing key', async () => {
    await expect(
      startWith({ promotion: { pagers: { pagerduty: { timeout: '5s' } } } }),
    ).rejects.toThrow(/promotion\.pagers\.pagerduty\.routingKey/);
  });

  it('stays off without its config block', async () => {
    const { backend, pagers } = await startWith({ promotion: {} });
    try {
      expect(pagers.size).toBe(0);
    } finally {
      await backend.stop();
    }
  });
});
