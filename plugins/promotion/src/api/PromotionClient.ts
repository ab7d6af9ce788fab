import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import type {
  AuditEvent,
  Deployment,
  DoraMetrics,
  Freeze,
  Page,
  PipelineView,
  Promotion,
  PromotionOverview,
  RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  ConfirmRollbackRequest,
  CreateFreezeRequest,
  DecisionRequest,
  ListDeploymentsOptions,
  ListEventsOptions,
  ListRollbacksOptions,
  OverrideRollbackRequest,
  OverrideRollbackResponse,
  PromotionApi,
  ReleaseHoldRequest,
  RollbackRequest,
  RollbackResponse,
} from './PromotionApi';

function servicePath(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/v1/services/${encodeURIComponent(
    kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

function withQuery(
  path: string,
  params: Record<string, string | number | undefined>,
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** How many services' pipeline views the client holds for conditional polls. */
const HELD_PIPELINES = 20;

/** {@link PromotionApi} over HTTP. */
export class PromotionClient implements PromotionApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  private readonly pipelines = new Map<
    string,
    { etag: string; view: PipelineView }
  >();

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getPipeline(entityRef: string): Promise<PipelineView> {
    const path = `${servicePath(entityRef)}/pipeline`;
    const held = this.pipelines.get(path);
    const baseUrl = await this.discoveryApi.getBaseUrl('promotion');
    // The tab polls: the view held is sent back by its ETag, and a 304 says
    // it is still what the server would answer.
    const res = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      headers: held ? { 'If-None-Match': held.etag } : {},
    });
    if (res.status === 304 && held) return held.view;
    if (!res.ok) throw await ResponseError.fromResponse(res);
    const view = (await res.json()) as PipelineView;
    const etag = res.headers.get('ETag');
    this.pipelines.delete(path);
    if (etag) {
      this.pipelines.set(path, { etag, view });
      // A few services' views at most: the oldest goes first.
      if (this.pipelines.size > HELD_PIPELINES) {
        this.pipelines.delete(this.pipelines.keys().next().value!);
      }
    }
    return view;
  }

  async getOverview(): Promise<PromotionOverview> {
    return this.request('/v1/overview');
  }

  async listDeployments(
    entityRef: string,
    options: ListDeploymentsOptions = {},
  ): Promise<Page<Deployment>> {
    const { environment, cursor, limit } = options;
    return this.request(
      withQuery(`${servicePath(entityRef)}/deployments`, {
        environment,
        cursor,
        limit,
      }),
    );
  }

  async listEvents(
    entityRef: string,
    options: ListEventsOptions = {},
  ): Promise<Page<AuditEvent>> {
    const { environment, kind, cursor, limit } = options;
    return this.request(
      withQuery(`${servicePath(entityRef)}/events`, {
        environment,
        kind,
        cursor,
        limit,
      }),
    );
  }

  async getDoraMetrics(
    entityRef: string,
    options: { days?: number } = {},
  ): Promise<DoraMetrics> {
    return this.request(
      withQuery(`${servicePath(entityRef)}/dora`, { days: options.days }),
    );
  }

  async approvePromotion(
    promotionId: string,
    options: DecisionRequest = {},
  ): Promise<Promotion> {
    return this.post(
      `/v1/promotions/${encodeURIComponent(promotionId)}/approve`,
      { comment: options.comment },
    );
  }

  async rejectPromotion(
    promotionId: string,
    options: DecisionRequest = {},
  ): Promise<Promotion> {
    return this.post(
      `/v1/promotions/${encodeURIComponent(promotionId)}/reject`,
      { comment: options.comment },
    );
  }

  async rollback(
    entityRef: string,
    request: RollbackRequest,
  ): Promise<RollbackResponse> {
    return this.post(`${servicePath(entityRef)}/rollback`, request);
  }

  async confirmRollback(
    rollbackId: string,
    request: ConfirmRollbackRequest = {},
  ): Promise<RollbackView> {
    return this.post(
      `/v1/rollbacks/${encodeURIComponent(rollbackId)}/confirm`,
      { comment: request.comment },
    );
  }

  async overrideRollback(
    rollbackId: string,
    request: OverrideRollbackRequest,
  ): Promise<OverrideRollbackResponse> {
    return this.post(
      `/v1/rollbacks/${encodeURIComponent(rollbackId)}/override`,
      { comment: request.comment },
    );
  }

  async listRollbacks(
    entityRef: string,
    options: ListRollbacksOptions = {},
  ): Promise<{ items: RollbackView[] }> {
    return this.request(
      withQuery(`${servicePath(entityRef)}/rollbacks`, {
        environment: options.environment,
      }),
    );
  }

  async releaseHold(
    entityRef: string,
    holdId: string,
    options: ReleaseHoldRequest = {},
  ): Promise<void> {
    await this.post(
      `${servicePath(entityRef)}/holds/${encodeURIComponent(holdId)}/release`,
      { reason: options.reason },
    );
  }

  async createFreeze(
    entityRef: string,
    request: CreateFreezeRequest,
  ): Promise<Freeze> {
    return this.post(`${servicePath(entityRef)}/freezes`, request);
  }

  async liftFreeze(freezeId: string): Promise<void> {
    await this.request(`/v1/freezes/${encodeURIComponent(freezeId)}`, {
      method: 'DELETE',
    });
  }

  private post<T>(path: string, body: object): Promise<T> {
    return this.request(path, { method: 'POST', body: JSON.stringify(body) });
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
    // 204 and bodiless 200/202 answers (release, lift) have nothing to parse.
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
