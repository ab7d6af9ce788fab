import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import type {
  Page,
  Pager,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import type { OnCallPager } from './PageOutbox';

/** Who to tell about a service: its owner from the catalog. */
async function ownerOf(
  catalog: CatalogService,
  auth: AuthService,
  entityRef: string,
) {
  const entity = await catalog.getEntityByRef(entityRef, {
    credentials: await auth.getOwnServiceCredentials(),
  });
  return entity?.spec?.owner as string | undefined;
}

/**
 * Reaches people: a Backstage notification to the owning group always, and
 * every external pager (Alertmanager, PagerDuty …) for pages; with no
 * external pager installed, a page is also written to the log. One pager
 * failing does not keep the others or the notification from going out.
 */
export class OnCall implements OnCallPager {
  constructor(
    private readonly options: {
      notifications: NotificationService;
      catalog: CatalogService;
      auth: AuthService;
      pagers: Map<string, Pager>;
      logger: LoggerService;
      /** The portal's base URL, for links to the pipeline tab. */
      appBaseUrl: string;
    },
  ) {}

  /** Link to a service's pipeline tab. */
  pipelineLink(entityRef: string): string {
    const [kind, rest] = entityRef.split(':');
    const [namespace, name] = rest.split('/');
    return `${this.options.appBaseUrl}/catalog/${namespace}/${kind}/${name}/pipeline`;
  }

  /** A Backstage notification to the service's owner, or to `recipient` (a group or user ref) when given. */
  async notifyOwner(
    entityRef: string,
    title: string,
    description: string,
    severity: 'normal' | 'high' | 'critical' = 'normal',
    recipient?: string,
  ) {
    const owner =
      recipient ??
      (await ownerOf(this.options.catalog, this.options.auth, entityRef));
    if (!owner) {
      this.options.logger.warn(
        `No owner for ${entityRef}; notification '${title}' not sent`,
      );
      return;
    }
    await this.options.notifications.send({
      recipients: { type: 'entity', entityRef: owner },
      payload: {
        title,
        description,
        link: this.pipelineLink(entityRef),
        severity,
        topic: 'promotion',
      },
    });
  }

  /** Pages on-call through the owner notification and every external pager; returns who was reached. */
  async page(
    page: Omit<Page, 'link'>,
  ): Promise<{ delivered: string[]; failed: string[] }> {
    const full: Page = { ...page, link: this.pipelineLink(page.entityRef) };
    const delivered: string[] = [];
    const failed: string[] = [];
    try {
      await this.notifyOwner(
        page.entityRef,
        page.summary,
        JSON.stringify(page.details ?? {}),
        page.severity === 'critical' ? 'critical' : 'high',
      );
      delivered.push('notifications');
    } catch (error) {
      this.options.logger.warn(`Backstage notification failed: ${error}`);
      failed.push('notifications');
    }
    if (this.options.pagers.size === 0) {
      this.options.logger.warn(
        `Page ${page.dedupKey} (${page.severity}) for ${page.entityRef} in ${page.environment}, no pager installed: ${page.summary}`,
      );
      delivered.push('log');
    }
    for (const [name, pager] of this.options.pagers) {
      try {
        await pager.trigger(full);
        delivered.push(name);
      } catch (error) {
        this.options.logger.warn(`Pager ${name} failed: ${error}`);
        failed.push(name);
      }
    }
    return { delivered, failed };
  }

  /** Closes a page on every external pager; throws when one could not be told. */
  async resolve(dedupKey: string): Promise<void> {
    const failed: string[] = [];
    for (const [name, pager] of this.options.pagers) {
      try {
        await pager.resolve(dedupKey);
      } catch (error) {
        this.options.logger.warn(`Pager ${name} could not resolve: ${error}`);
        failed.push(name);
      }
    }
    if (failed.length > 0) {
      throw new Error(`could not resolve ${dedupKey} on ${failed.join(', ')}`);
    }
  }
}
