import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Pager } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { promotionPagersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { AlertmanagerPager } from './AlertmanagerPager';
import promotionModuleAlertmanager from './index';

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
      promotionModuleAlertmanager,
      mockServices.rootConfig.factory({ data }),
    ],
  });
  return { backend, pagers };
}

describe('promotionModuleAlertmanager', () => {
  it('adds the alertmanager pager', async () => {
    const { backend, pagers } = await startWith({
      promotion: { pagers: { alertmanager: { url: 'http://127.0.0.1:9093' } } },
    });
    try {
      expect([...pagers.keys()]).toEqual(['alertmanager']);
      expect(pagers.get('alertmanager')).toBeInstanceOf(AlertmanagerPager);
    } finally {
      await backend.stop();
    }
  });

  it('stops the backend at start-up when the block has no url', async () => {
    await expect(
      startWith({ promotion: { pagers: { alertmanager: { timeout: '5s' } } } }),
    ).rejects.toThrow(/promotion\.pagers\.alertmanager\.url is required/);
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
