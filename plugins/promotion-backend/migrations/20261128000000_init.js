// @ts-check

/**
 * Core tables of the promotion engine.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_artifacts', table => {
    table.comment('Immutable build outputs registered by CI, one per entity and digest');
    table.string('id', 36).primary().notNullable().comment('Artifact id (uuid)');
    table.string('entity_ref').notNullable().comment('Catalog entity the artifact belongs to');
    table.string('digest', 80).notNullable().comment('Content digest, sha256:<64 hex>');
    table.string('pipeline').notNullable().comment('Pipeline the artifact moves through (from the entity annotation at registration)');
    table.string('version').notNullable().comment('Human version label');
    table.string('commit').notNullable().comment('Source commit');
    table.string('author').nullable().comment('User entity ref of the change author');
    table.text('labels').notNullable().comment('JSON array of labels');
    table.text('changed_paths').notNullable().comment('JSON array of changed paths');
    table.text('migration').nullable().comment('JSON schema-migration metadata');
    table.boolean('bad').notNullable().defaultTo(false).comment('Marked bad: no environment takes it again');
    table.string('bad_reason').nullable().comment('Why it was marked bad');
    table.timestamp('registered_at', { useTz: true }).notNullable().comment('When CI registered it');
    table.unique(['entity_ref', 'digest'], { indexName: 'promotion_artifacts_entity_digest_uq' });
  });

  await knex.schema.createTable('promotion_test_results', table => {
    table.comment('Test runs reported by CI for an artifact');
    table.increments('id').primary().comment('Row id');
    table.string('artifact_id', 36).notNullable().references('id').inTable('promotion_artifacts').onDelete('CASCADE').comment('Artifact tested');
    table.string('suite', 32).notNullable().comment('unit, integration, contract or e2e');
    table.string('environment').nullable().comment('Environment the suite ran against, if any');
    table.string('status', 16).notNullable().comment('passed or failed');
    table.integer('passed_count').nullable().comment('Passed test count');
    table.integer('failed_count').nullable().comment('Failed test count');
    table.text('url').nullable().comment('Link to the run');
    table.timestamp('reported_at', { useTz: true }).notNullable().comment('When it was reported');
    table.index(['artifact_id'], 'promotion_test_results_artifact_idx');
  });

  await knex.schema.createTable('promotion_promotions', table => {
    table.comment('Moves of one artifact into one environment, guarded by gates');
    table.string('id', 36).primary().notNullable().comment('Promotion id (uuid)');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('artifact_id', 36).notNullable().references('id').inTable('promotion_artifacts').comment('Artifact being moved');
    table.string('from_environment').nullable().comment('Source environment; null for the first one');
    table.string('to_environment').notNullable().comment('Target environment');
    table.string('trigger', 16).notNullable().comment('merge, promotion or rollback');
    table.string('actor').notNullable().comment('Who or what started it');
    table.string('reason').nullable().comment('Why it ended as it did, or the rollback reason');
    table.string('state', 16).notNullable().comment('pending, promoted, failed or cancelled');
    table.string('deployment_id', 36).nullable().comment('Deployment created when promoted');
    table.string('lease_ticket', 36).nullable().comment('Worker holding the promotion while it evaluates');
    table.timestamp('lease_expires_at', { useTz: true }).nullable().comment('When the lease lapses');
    table.timestamp('next_check_at', { useTz: true }).notNullable().comment('When the gates are due for another look');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('Creation time');
    table.timestamp('updated_at', { useTz: true }).notNullable().comment('Last state change');
    table.index(['entity_ref', 'to_environment', 'state'], 'promotion_promotions_lane_idx');
    table.index(['state', 'next_check_at'], 'promotion_promotions_due_idx');
  });

  await knex.schema.createTable('promotion_gate_results', table => {
    table.comment('Latest verdict of each gate on each promotion');
    table.string('promotion_id', 36).notNullable().references('id').inTable('promotion_promotions').onDelete('CASCADE').comment('Promotion checked');
    table.string('gate', 64).notNullable().comment('Gate name');
    table.string('verdict', 16).notNullable().comment('passed, pending or failed');
    table.boolean('errored').notNullable().defaultTo(false).comment('The gate could not run (throw, timeout, no data)');
    table.text('reason').notNullable().comment('Human reason for the verdict');
    table.text('evidence').nullable().comment('JSON evidence the gate looked at');
    table.timestamp('evaluated_at', { useTz: true }).notNullable().comment('When the verdict was reached');
    table.primary(['promotion_id', 'gate']);
  });

  await knex.schema.createTable('promotion_deployments', table => {
    table.comment('One artifact running, or trying to run, in one environment');
    table.string('id', 36).primary().notNullable().comment('Deployment id (uuid); the deployer idempotency key');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('environment').notNullable().comment('Environment');
    table.string('artifact_id', 36).notNullable().references('id').inTable('promotion_artifacts').comment('Artifact deployed');
    table.string('promotion_id', 36).nullable().comment('Promotion that created it');
    table.string('state', 16).notNullable().comment('queued, deploying, soaking, verified, failed, superseded or rolled_back');
    table.string('trigger', 16).notNullable().comment('merge, promotion or rollback');
    table.string('actor').notNullable().comment('Who or what started it');
    table.text('reason').nullable().comment('Why it is in its state');
    table.integer('deploy_calls').notNullable().defaultTo(0).comment('How many times the deployer was asked to deploy');
    table.integer('attempts').notNullable().defaultTo(0).comment('Failed deployer calls in a row, for backoff');
    table.string('lease_ticket', 36).nullable().comment('Worker holding the deployment');
    table.timestamp('lease_expires_at', { useTz: true }).nullable().comment('When the lease lapses');
    table.timestamp('next_check_at', { useTz: true }).notNullable().comment('When the deployment is due for work');
    table.timestamp('deploy_started_at', { useTz: true }).nullable().comment('When the engine moved it to deploying');
    table.timestamp('deploy_accepted_at', { useTz: true }).nullable().comment('When the deployer accepted the deploy call');
    table.string('reported_state', 16).nullable().comment('Status the deploy system reported through the callback endpoint');
    table.text('reported_reason').nullable().comment('Reason that came with the reported status');
    table.timestamp('healthy_at', { useTz: true }).nullable().comment('When the deployer reported it running');
    table.timestamp('verified_at', { useTz: true }).nullable().comment('When it became verified');
    table.timestamp('state_since', { useTz: true }).notNullable().comment('When it entered its state');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('Creation time');
    table.index(['entity_ref', 'environment', 'state'], 'promotion_deployments_lane_idx');
    table.index(['state', 'next_check_at'], 'promotion_deployments_due_idx');
  });

  await knex.schema.createTable('promotion_events', table => {
    table.comment('Append-only audit log: transitions, gate verdicts, human actions');
    table.bigIncrements('id').primary().comment('Monotonic event id');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('environment').nullable().comment('Environment, if any');
    table.string('digest', 80).nullable().comment('Artifact digest, if any');
    table.string('kind', 64).notNullable().comment('Event kind, e.g. deployment.verified');
    table.string('actor').notNullable().comment('User or service ref, or "engine"');
    table.text('details').notNullable().comment('JSON details');
    table.timestamp('at', { useTz: true }).notNullable().comment('When it happened');
    table.index(['entity_ref', 'id'], 'promotion_events_entity_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_events');
  await knex.schema.dropTable('promotion_deployments');
  await knex.schema.dropTable('promotion_gate_results');
  await knex.schema.dropTable('promotion_promotions');
  await knex.schema.dropTable('promotion_test_results');
  await knex.schema.dropTable('promotion_artifacts');
};
