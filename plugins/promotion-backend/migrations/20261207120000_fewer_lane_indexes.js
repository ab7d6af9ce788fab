// @ts-check

/**
 * Drops two indexes that others already serve, so every promotion and
 * deployment write (the engine moves thousands a second after a lifted
 * freeze) maintains one index less. No columns change.
 *
 * - `promotion_deployments_lane_idx` (entity_ref, environment, state) is the
 *   prefix of `promotion_deployments_previous_idx` (… , verified_at).
 * - `promotion_promotions_lane_idx` (entity_ref, to_environment, state):
 *   `promotion_promotions_service_state_idx` (entity_ref, state) finds a
 *   service's pending promotions, at most a few, and the lane among them.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotion_deployments', table => {
    table.dropIndex([], 'promotion_deployments_lane_idx');
  });
  await knex.schema.alterTable('promotion_promotions', table => {
    table.dropIndex([], 'promotion_promotions_lane_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_promotions', table => {
    table.index(
      ['entity_ref', 'to_environment', 'state'],
      'promotion_promotions_lane_idx',
    );
  });
  await knex.schema.alterTable('promotion_deployments', table => {
    table.index(
      ['entity_ref', 'environment', 'state'],
      'promotion_deployments_lane_idx',
    );
  });
};
