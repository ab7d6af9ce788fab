import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type {
  AlertSource,
  Pager,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  promotionAlertSourcesExtensionPoint,
  promotionPagersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { AlertmanagerAlertSource } from './AlertmanagerAlertSource';
import { AlertmanagerPager } from './AlertmanagerPager';
import promotionModuleAlertmanager from './index';

async function startWith(data: object) {
  const pagers = new Map<string, Pager>();
  const sources = new Map<string, AlertSource>();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        promotionPagersExtensionPoint,
        { addPager: (name: string, pager: Pager) => pagers.set(name, pager) },
      ],
      [
        promotionAlertSourcesExtensionPoint,
        {
          addAlertSource: (name: string, source: AlertSource) =>
            sources.set(name, source),
        },
      ],
    ],
    features: [
      promotionModuleAlertmanager,
      mockServices.rootConfig.factory({ data }),
    ],
  });
  return { backend, pagers, sources };
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

  it('adds the alertmanager alert source, with or without the pager', async () => {
    const { backend, pagers, sources } = await startWith({
      promotion: {
        alertSources: { alertmanager: { url: 'http://127.0.0.1:9093' } },
      },
    });
    try {
      expect([...sources.keys()]).toEqual(['alertmanager']);
      expect(sources.get('alertmanager')).toBeInstanceOf(
        AlertmanagerAlertSource,
      );
      expect(pagers.size).toBe(0);
    } finally {
      await backend.stop();
    }
  });

  it('stops the backend at start-up on a wrong alert source, naming the key', async () => {
    await expect(
      startWith({
        promotion: { alertSources: { alertmanager: { url: 'ftp://x' } } },
      }),
    ).rejects.toThrow(/promotion\.alertSources\.alertmanager\.url/);
    await expect(
      startWith({
        promotion: {
          alertSources: {
            alertmanager: { url: 'http://127.0.0.1:9093', timeout: 'soon' },
          },
        },
      }),
    ).rejects.toThrow(/promotion\.alertSources\.alertmanager\.timeout/);
  });

  it('stays off without its config blocks', async () => {
    const { backend, pagers, sources } = await startWith({ promotion: {} });
    try {
      expect(pagers.size).toBe(0);
      expect(sources.size).toBe(0);
    } finally {
      await backend.stop();
    }
  });
});
