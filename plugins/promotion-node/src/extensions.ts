import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { AlertSource } from './alerts';
import type { Deployer } from './deployer';
import type { Gate } from './gate';
import type { MetricsProvider } from './metrics';
import type { Pager } from './pager';

/** Lets backend modules add deployers, chosen per environment by name. */
export interface PromotionDeployersExtensionPoint {
  addDeployer(name: string, deployer: Deployer): void;
}

/** Extension point for deployers. */
export const promotionDeployersExtensionPoint =
  createExtensionPoint<PromotionDeployersExtensionPoint>({
    id: 'promotion.deployers',
  });

/** Lets backend modules add gates, required per environment by name. */
export interface PromotionGatesExtensionPoint {
  addGate(gate: Gate): void;
}

/** Extension point for gates. */
export const promotionGatesExtensionPoint =
  createExtensionPoint<PromotionGatesExtensionPoint>({
    id: 'promotion.gates',
  });

/** Lets backend modules add metrics providers, chosen per environment by name. */
export interface PromotionMetricsProvidersExtensionPoint {
  addMetricsProvider(name: string, provider: MetricsProvider): void;
}

/** Extension point for metrics providers. */
export const promotionMetricsProvidersExtensionPoint =
  createExtensionPoint<PromotionMetricsProvidersExtensionPoint>({
    id: 'promotion.metrics-providers',
  });

/** Lets backend modules add external pagers; every added pager receives every page. */
export interface PromotionPagersExtensionPoint {
  addPager(name: string, pager: Pager): void;
}

/** Extension point for pagers. */
export const promotionPagersExtensionPoint =
  createExtensionPoint<PromotionPagersExtensionPoint>({
    id: 'promotion.pagers',
  });

/** Lets backend modules add alert sources, which environments name for the incident gate. */
export interface PromotionAlertSourcesExtensionPoint {
  addAlertSource(name: string, source: AlertSource): void;
}

/** Extension point for alert sources. */
export const promotionAlertSourcesExtensionPoint =
  createExtensionPoint<PromotionAlertSourcesExtensionPoint>({
    id: 'promotion.alert-sources',
  });
