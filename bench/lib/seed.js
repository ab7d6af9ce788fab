// Direct seed of the promotion plugin's tables (schema:
// plugins/promotion-backend/migrations/*.js), for scales the API would take
// too long to build (10,000 lanes, 1M history rows). Run against the
// backend's own database after it has migrated (the tables exist). Rows are
// written the way the plugin writes them: timestamps as Date (knex stores
// epoch ms on SQLite), JSON columns as text.
const crypto = require('node:crypto');

const uuid = () => crypto.randomUUID();
const BATCH = 400;

async function insertAll(knex, table, rows) {
  for (let i = 0; i < rows.length; i += BATCH) {
    await knex(table).insert(rows.slice(i, i + BATCH));
  }
}

function artifactRow(entityRef, pipeline, seed, at) {
  return {
    id: uuid(),
    entity_ref: entityRef,
    digest: `sha256:${crypto
      .createHash('sha256')
      .update(`${entityRef}-${seed}`)
      .digest('hex')}`,
    pipeline,
    version: `0.0.${seed}`,
    commit: `seed${seed}`,
    author: null,
    labels: '[]',
    changed_paths: '[]',
    migration: null,
    bad: false,
    bad_reason: null,
    registered_at: at,
  };
}

function event(entityRef, environment, digest, kind, details, at) {
  return {
    entity_ref: entityRef,
    environment,
    digest,
    kind,
    actor: 'bench-seed',
    details: JSON.stringify(details),
    at,
  };
}

/**
 * What a registration writes, for each service: the artifact, its promotion
 * into `toEnvironment` (pending, due now, as `registerArtifact` leaves it)
 * and the two events. The engine takes them from there.
 */
async function seedPendingLanes(knex, { services, pipeline, toEnvironment }) {
  const now = new Date();
  for (let i = 0; i < services.length; i += BATCH) {
    const artifacts = [];
    const promotions = [];
    const events = [];
    for (const name of services.slice(i, i + BATCH)) {
      const entityRef = `component:default/${name}`;
      const a = artifactRow(entityRef, pipeline, 'lane', now);
      artifacts.push(a);
      promotions.push({
        id: uuid(),
        entity_ref: entityRef,
        artifact_id: a.id,
        from_environment: null,
        to_environment: toEnvironment,
        trigger: 'merge',
        actor: 'bench-seed',
        reason: null,
        state: 'pending',
        deployment_id: null,
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: now,
        created_at: now,
        updated_at: now,
      });
      events.push(
        event(
          entityRef,
          null,
          a.digest,
          'artifact.registered',
          { version: a.version, commit: a.commit },
          now,
        ),
        event(
          entityRef,
          toEnvironment,
          a.digest,
          'promotion.created',
          { trigger: 'merge' },
          now,
        ),
      );
    }
    await knex.transaction(async trx => {
      await insertAll(trx, 'promotion_artifacts', artifacts);
      await insertAll(trx, 'promotion_promotions', promotions);
      await insertAll(trx, 'promotion_events', events);
    });
  }
}

/**
 * Past releases of `services` in `environment`, oldest first, one hour
 * apart, ending a day ago: per release an artifact, its promoted promotion,
 * its deployment (superseded; the newest per service verified, so it is the
 * lane's current one) and two events: 5 rows a release. Returns the rows
 * written.
 */
async function seedHistory(
  knex,
  { services, pipeline, environment, releases, startSeed = 0 },
) {
  const end = Date.now() - 24 * 3600_000;
  const perService = Math.ceil(releases / services.length);
  let written = 0;
  let batch = { artifacts: [], promotions: [], deployments: [], events: [] };
  const flush = async () => {
    await knex.transaction(async trx => {
      await insertAll(trx, 'promotion_artifacts', batch.artifacts);
      await insertAll(trx, 'promotion_promotions', batch.promotions);
      await insertAll(trx, 'promotion_deployments', batch.deployments);
      await insertAll(trx, 'promotion_events', batch.events);
    });
    batch = { artifacts: [], promotions: [], deployments: [], events: [] };
  };
  for (let r = 0; r < perService && written < releases * 5; r++) {
    for (const name of services) {
      if (written >= releases * 5) break;
      const entityRef = `component:default/${name}`;
      const at = new Date(end - (perService - r) * 3600_000);
      const a = artifactRow(entityRef, pipeline, `h${startSeed + r}`, at);
      const promotionId = uuid();
      const deploymentId = uuid();
      const isCurrent = r === perService - 1;
      batch.artifacts.push(a);
      batch.promotions.push({
        id: promotionId,
        entity_ref: entityRef,
        artifact_id: a.id,
        from_environment: null,
        to_environment: environment,
        trigger: 'merge',
        actor: 'bench-seed',
        reason: null,
        state: 'promoted',
        deployment_id: deploymentId,
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: at,
        created_at: at,
        updated_at: at,
      });
      batch.deployments.push({
        id: deploymentId,
        entity_ref: entityRef,
        environment,
        artifact_id: a.id,
        promotion_id: promotionId,
        state: isCurrent ? 'verified' : 'superseded',
        trigger: 'merge',
        actor: 'bench-seed',
        reason: isCurrent ? null : 'superseded',
        deploy_calls: 1,
        attempts: 0,
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: at,
        deploy_started_at: at,
        deploy_accepted_at: at,
        reported_state: null,
        reported_reason: null,
        healthy_at: at,
        verified_at: at,
        state_since: at,
        created_at: at,
      });
      batch.events.push(
        event(
          entityRef,
          environment,
          a.digest,
          'promotion.promoted',
          { deploymentId },
          at,
        ),
        event(
          entityRef,
          environment,
          a.digest,
          'deployment.verified',
          { deploymentId },
          at,
        ),
      );
      written += 5;
      if (batch.artifacts.length >= 2000) await flush();
    }
  }
  await flush();
  return written;
}

module.exports = { seedPendingLanes, seedHistory, insertAll };
