// @ts-check

/**
 * Indexes for the views (src/views/): each query a view makes walks one of
 * these in the order it reads and stops at what it shows, so a service with
 * 100,000 deployments answers as fast as one with 10. No columns change.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotion_deployments', table => {
    // The pipeline's recent deployments and the deployments page, newest first.
    table.index(
      ['entity_ref', 'created_at', 'id'],
      'promotion_deployments_recent_idx',
    );
    // One lane's deployments by time: the deployments page of a lane, DORA's window.
    table.index(
      ['entity_ref', 'environment', 'created_at'],
      'promotion_deployments_lane_time_idx',
    );
    // A lane's warm previous deployment: the newest verified one that was replaced.
    table.index(
      ['entity_ref', 'environment', 'state', 'verified_at'],
      'promotion_deployments_previous_idx',
    );
  });
  await knex.schema.alterTable('promotion_promotions', table => {
    // A service's pending promotions, whatever their target lane.
    table.index(
      ['entity_ref', 'state'],
      'promotion_promotions_service_state_idx',
    );
  });
  await knex.schema.alterTable('promotion_rollbacks', table => {
    // A lane's newest rollback.
    table.index(
      ['entity_ref', 'environment', 'created_at'],
      'promotion_rollbacks_newest_idx',
    );
  });
  await knex.schema.alterTable('promotion_burn_watch', table => {
    // A service's newest burn-watch write (the pipeline view's version).
    table.index(
      ['entity_ref', 'updated_at'],
      'promotion_burn_watch_updated_idx',
    );
  });
  await knex.schema.alterTable('promotion_soak_samples', table => {
    // A service's newest sample (the pipeline view's version).
    table.index(['entity_ref', 'id'], 'promotion_soak_samples_newest_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_soak_samples', table => {
    table.dropIndex([], 'promotion_soak_samples_newest_idx');
  });
  await knex.schema.alterTable('promotion_burn_watch', table => {
    table.dropIndex([], 'promotion_burn_watch_updated_idx');
  });
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.dropIndex([], 'promotion_rollbacks_newest_idx');
  });
  await knex.schema.alterTable('promotion_promotions', table => {
    table.dropIndex([], 'promotion_promotions_service_state_idx');
  });
  await knex.schema.alterTable('promotion_deployments', table => {
    table.dropIndex([], 'promotion_deployments_previous_idx');
    table.dropIndex([], 'promotion_deployments_lane_time_idx');
    table.dropIndex([], 'promotion_deployments_recent_idx');
  });
};
