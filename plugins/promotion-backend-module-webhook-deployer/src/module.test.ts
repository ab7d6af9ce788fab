import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import {
  Deployer,
  promotionDeployersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import promotionModuleWebhookDeployer from './index';
import { WebhookDeployer } from './WebhookDeployer';

function startWith(webhook: JsonObject) {
  const added = new Map<string, Deployer>();
  const backend = startTestBackend({
    extensionPoints: [
      [
        promotionDeployersExtensionPoint,
        {
          addDeployer: (name: string, deployer: Deployer) =>
            added.set(name, deployer),
        },
      ],
    ],
    features: [
      promotionModuleWebhookDeployer,
      mockServices.rootConfig.factory({
        data: { promotion: { deployers: { webhook } } },
      }),
    ],
  });
  return { added, backend };
}

describe('promotionModuleWebhookDeployer', () => {
  it('adds a deployer named webhook', async () => {
    const { added, backend } = startWith({
      url: 'http://127.0.0.1:9/hooks',
      signingSecret: 'secret',
    });
    const started = await backend;
    try {
      expect([...added.keys()]).toEqual(['webhook']);
      expect(added.get('webhook')).toBeInstanceOf(WebhookDeployer);
    } finally {
      await started.stop();
    }
  });

  it.each([
    [{ signingSecret: 'secret' }, 'promotion.deployers.webhook.url'],
    [
      { url: 'http://127.0.0.1:9/hooks' },
      'promotion.deployers.webhook.signingSecret',
    ],
  ])('fails to start when a key is missing (%j)', async (webhook, key) => {
    await expect(startWith(webhook).backend).rejects.toThrow(key);
  });
});
