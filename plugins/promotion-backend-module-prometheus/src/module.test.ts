import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  MetricsProvider,
  promotionMetricsProvidersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { promotionModulePrometheus } from './module';
import { PrometheusMetricsProvider } from './PrometheusMetricsProvider';

/** Starts the module in a test backend and returns what it registered. */
async function install(config: object) {
  const providers = new Map<string, MetricsProvider>();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        promotionMetricsProvidersExtensionPoint,
        {
          addMetricsProvider: (name: string, provider: MetricsProvider) =>
            providers.set(name, provider),
        },
      ],
    ],
    features: [
      promotionModulePrometheus,
      mockServices.rootConfig.factory({ data: config as any }),
    ],
  });
  await backend.stop();
  return providers;
}

describe('promotionModulePrometheus', () => {
  it('adds the prometheus metrics provider', async () => {
    const providers = await install({
      promotion: {
        metrics: {
          prometheus: { baseUrl: 'http://127.0.0.1:9090', timeout: '3s' },
        },
      },
    });
    expect([...providers.keys()]).toEqual(['prometheus']);
    expect(providers.get('prometheus')).toBeInstanceOf(
      PrometheusMetricsProvider,
    );
  });

  it('stops start-up when the block has no baseUrl, naming the key', async () => {
    await expect(
      install({ promotion: { metrics: { prometheus: { timeout: '3s' } } } }),
    ).rejects.toThrow(
      "Missing required config value at 'promotion.metrics.prometheus.baseUrl'",
    );
  });

  it('stops start-up when its query timeout exceeds the gate timeout, naming both keys', async () => {
    await expect(
      install({
        promotion: {
          metrics: {
            prometheus: { baseUrl: 'http://127.0.0.1:9090', timeout: '20s' },
          },
        },
      }),
    ).rejects.toThrow(
      'promotion.metrics.prometheus.timeout (20 s) must not exceed promotion.engine.gateTimeout (10 s)',
    );
    const providers = await install({
      promotion: {
        engine: { gateTimeout: '20s' },
        metrics: {
          prometheus: { baseUrl: 'http://127.0.0.1:9090', timeout: '20s' },
        },
      },
    });
    expect([...providers.keys()]).toEqual(['prometheus']);
  });

  it('stays off without its config block', async () => {
    expect((await install({})).size).toBe(0);
  });

  it('stops start-up on a configured template that cannot be escaped safely', async () => {
    await expect(
      install({
        promotion: {
          metrics: {
            prometheus: {
              baseUrl: 'http://127.0.0.1:9090',
              queries: { latency: 'm{service={{name}}}' },
            },
          },
        },
      }),
    ).rejects.toThrow(
      /promotion.metrics.prometheus.*queries.latency: placeholder \{\{name\}\} must sit inside a double-quoted string/,
    );
  });
});
