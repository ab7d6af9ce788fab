import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  metricsServiceRef,
  type MetricAttributes,
  type MetricOptions,
  type MetricsService,
  type MetricsServiceObservableCallback,
} from '@backstage/backend-plugin-api/alpha';

type Kind = 'counter' | 'upDownCounter' | 'histogram' | 'gauge' | 'observable';

interface Recorded {
  kind: Kind;
  options?: MetricOptions;
  points: Array<{ value: number; attributes?: MetricAttributes }>;
  callbacks: Set<MetricsServiceObservableCallback<any>>;
}

/**
 * The metrics service with its instruments recording in memory
 * (`@opentelemetry/sdk-metrics` is not installed here). It keeps what the
 * OpenTelemetry API would hand the SDK: name, kind, unit, description,
 * advice, and every point with its attributes.
 */
export class RecordingMetrics implements MetricsService {
  readonly instruments = new Map<string, Recorded>();

  createCounter(name: string, options?: MetricOptions) {
    const recorded = this.register('counter', name, options);
    return {
      add: (value: number, attributes?: MetricAttributes) =>
        recorded.points.push({ value, attributes }),
    };
  }
  createUpDownCounter(name: string, options?: MetricOptions) {
    const recorded = this.register('upDownCounter', name, options);
    return {
      add: (value: number, attributes?: MetricAttributes) =>
        recorded.points.push({ value, attributes }),
    };
  }
  createHistogram(name: string, options?: MetricOptions) {
    const recorded = this.register('histogram', name, options);
    return {
      record: (value: number, attributes?: MetricAttributes) =>
        recorded.points.push({ value, attributes }),
    };
  }
  createGauge(name: string, options?: MetricOptions) {
    const recorded = this.register('gauge', name, options);
    return {
      record: (value: number, attributes?: MetricAttributes) =>
        recorded.points.push({ value, attributes }),
    };
  }
  createObservableCounter(name: string, options?: MetricOptions) {
    return this.observable(name, options);
  }
  createObservableUpDownCounter(name: string, options?: MetricOptions) {
    return this.observable(name, options);
  }
  createObservableGauge(name: string, options?: MetricOptions) {
    return this.observable(name, options);
  }

  /** Points recorded on `name` so far. */
  points(name: string) {
    return this.get(name).points;
  }

  /** Runs the callbacks of an observable, as one collection by a reader would. */
  async collect(name: string) {
    const observed: Recorded['points'] = [];
    for (const callback of this.get(name).callbacks) {
      await callback({
        observe: (value, attributes) => observed.push({ value, attributes }),
      });
    }
    return observed;
  }

  get(name: string): Recorded {
    const recorded = this.instruments.get(name);
    if (!recorded) throw new Error(`No instrument ${name}`);
    return recorded;
  }

  private observable(name: string, options?: MetricOptions) {
    const recorded = this.register('observable', name, options);
    return {
      addCallback: (cb: MetricsServiceObservableCallback<any>) =>
        recorded.callbacks.add(cb),
      removeCallback: (cb: MetricsServiceObservableCallback<any>) =>
        recorded.callbacks.delete(cb),
    };
  }

  private register(kind: Kind, name: string, options?: MetricOptions) {
    if (this.instruments.has(name)) throw new Error(`${name} created twice`);
    const recorded: Recorded = {
      kind,
      options,
      points: [],
      callbacks: new Set(),
    };
    this.instruments.set(name, recorded);
    return recorded;
  }

  /** A service factory handing this instance to the plugin under test. */
  factory() {
    return createServiceFactory({
      service: metricsServiceRef,
      deps: {},
      factory: () => this,
    });
  }
}
