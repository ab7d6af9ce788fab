import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import type { AuditEvent, Page, PipelineView } from '@internal/plugin-promotion-common';
import { PromotionApi } from './PromotionApi';

function servicePath(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/v1/services/${encodeURIComponent(kind.toLocaleLowerCase('en-US'))}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** {@link PromotionApi} over HTTP. */
export class PromotionClient implements PromotionApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getPipeline(entityRef: string): Promise<PipelineView> {
    return this.request(`${servicePath(entityRef)}/pipeline`);
  }

  async listEvents(
    entityRef: string,
    options: { cursor?: string; limit?: number; environment?: string; kind?: string } = {},
  ): Promise<Page<AuditEvent>> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const qs = query.toString();
    return this.request(`${servicePath(entityRef)}/events${qs ? `?${qs}` : ''}`);
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('promotion');
    const res = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...init?.headers },
    });
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return (await res.json()) as T;
  }
}
