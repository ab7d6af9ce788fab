import { ConfigReader } from '@backstage/config';
import { PrometheusMetricsProvider } from './PrometheusMetricsProvider';

function fromConfig(prometheus: object) {
  return PrometheusMetricsProvider.fromConfig(
    new ConfigReader({ promotion: { metrics: { prometheus } } }),
  );
}

describe('PrometheusMetricsProvider.fromConfig', () => {
  it('accepts a base URL, a duration and template overrides', () => {
    expect(
      fromConfig({
        baseUrl: 'https://prometheus.example.com/prom',
        timeout: { seconds: 3 },
        queries: { saturation: 'max(cpu{service="{{name}}"})' },
      }),
    ).toBeInstanceOf(PrometheusMetricsProvider);
    expect(
      fromConfig({ baseUrl: 'http://p:9090', timeout: '2 minutes' }),
    ).toBeInstanceOf(PrometheusMetricsProvider);
  });

  it('names baseUrl when it is missing', () => {
    expect(() => fromConfig({})).toThrow(
      "Missing required config value at 'promotion.metrics.prometheus.baseUrl'",
    );
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => fromConfig({ baseUrl: 'prometheus:9090' })).toThrow(
      /'promotion.metrics.prometheus'.*must be http or https/,
    );
    expect(() => fromConfig({ baseUrl: 'not a url' })).toThrow(/not a URL/);
  });

  it('names the timeout key when it is not a duration', () => {
    expect(() =>
      fromConfig({ baseUrl: 'http://p:9090', timeout: 'soon' }),
    ).toThrow(/promotion.metrics.prometheus.timeout/);
  });

  it('names an unknown query', () => {
    expect(() =>
      fromConfig({ baseUrl: 'http://p:9090', queries: { errors: 'up' } }),
    ).toThrow(
      "Invalid config at 'promotion.metrics.prometheus.queries.errors'",
    );
  });

  it('names a template with an unknown placeholder', () => {
    expect(() =>
      fromConfig({
        baseUrl: 'http://p:9090',
        queries: { sloTotal: 'sum(x{s="{{service}}"})' },
      }),
    ).toThrow(/queries.sloTotal: unknown placeholder \{\{service\}\}/);
  });
});
