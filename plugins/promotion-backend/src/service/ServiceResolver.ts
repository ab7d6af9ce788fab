import { AuthService } from '@backstage/backend-plugin-api';
import {
  Entity,
  makeValidator,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { getPipelineName } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PipelineConfig, Pipelines } from '../config/pipelines';
import { ReadCache } from './ReadCache';

const entityNameRules = makeValidator();
const servicePathParams = [
  ['kind', entityNameRules.isValidKind, 'a kind such as component'],
  ['namespace', entityNameRules.isValidNamespace, 'a catalog namespace'],
  ['name', entityNameRules.isValidEntityName, 'a catalog entity name'],
] as const;

/**
 * The entity ref named by a `/v1/services/:kind/:namespace/:name` route. Each
 * part must be valid by the catalog's own rules, so every service route
 * answers a malformed one (`%2F`, `%00`, `..`) with the same 400 before any
 * lookup.
 */
export function serviceRefFromPath(params: Record<string, string>): string {
  for (const [param, isValid, expected] of servicePathParams) {
    if (!isValid(params[param])) {
      throw new InputError(
        `Invalid ${param} in path: ${JSON.stringify(
          params[param],
        )} is not ${expected}`,
      );
    }
  }
  return stringifyEntityRef({
    kind: params.kind,
    namespace: params.namespace,
    name: params.name,
  });
}

/** A catalog entity that has a configured pipeline. */
export interface ResolvedService {
  entityRef: string;
  pipeline: PipelineConfig;
  owner?: string;
}

/**
 * Finds a service in the catalog and the pipeline its annotation names. A
 * found entity is reused for `cacheTtlMs` (the polling pipeline tab reads the
 * same one over and over); a missing one is asked for again every time.
 */
export class ServiceResolver {
  private readonly entities: ReadCache<Entity>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    private readonly pipelines: Pipelines,
    options: { cacheTtlMs?: number } = {},
  ) {
    this.entities = new ReadCache(options.cacheTtlMs ?? 0);
  }

  /** 404 when the entity is not in the catalog, has no annotation, or names an unknown pipeline. */
  async resolve(entityRef: string): Promise<ResolvedService> {
    // Refs compare case-insensitively, and so does the catalog's lookup.
    const entity = await this.entities.get(
      entityRef.toLocaleLowerCase('en-US'),
      async () => {
        const found = await this.catalog.getEntityByRef(entityRef, {
          credentials: await this.auth.getOwnServiceCredentials(),
        });
        if (!found) {
          throw new NotFoundError(`Entity ${entityRef} is not in the catalog`);
        }
        return found;
      },
    );
    const name = getPipelineName(entity);
    if (!name) {
      throw new NotFoundError(
        `Entity ${entityRef} has no promotion.backstage.io/pipeline annotation`,
      );
    }
    const pipeline = this.pipelines.get(name);
    if (!pipeline) {
      throw new NotFoundError(
        `Entity ${entityRef} names pipeline '${name}', which is not configured`,
      );
    }
    return {
      entityRef: stringifyEntityRef(entity),
      pipeline,
      owner: entity.spec?.owner as string | undefined,
    };
  }
}
