// @ts-check

/**
 * Automatic rollback: the burn-rate watch of each deployment (its sustain
 * clock, latest reading and what on-call has been told), and on-call's answer
 * to each automatic rollback.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_burn_watch', table => {
    table.comment('Error-budget burn watch of one deployment; drives automatic rollback');
    table.string('deployment_id', 36).primary().notNullable().comment('Deployment watched');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('environment').notNullable().comment('Environment');
    table.integer('version').notNullable().defaultTo(0).comment('Optimistic lock: bumped on every write');
    table.string('status', 16).notNullable().comment('ok, firing, blind, low-traffic, settling, off, rolled_back or no_target');
    table.timestamp('firing_since', { useTz: true }).nullable().comment('Start of the current unbroken firing streak (MTTR clock start)');
    table.text('reading').notNullable().comment('JSON burn-rate reading shown in the lane');
    table.timestamp('evaluated_at', { useTz: true }).notNullable().comment('When it was last evaluated');
    table.string('rollback_id', 36).nullable().comment('Automatic rollback it fired');
    table.string('page_key').nullable().comment('Dedup key of the page on-call should have (null: none)');
    table.text('page_summary').nullable().comment('What the page says');
    table.string('page_severity', 16).nullable().comment('critical or warning');
    table.timestamp('paged_at', { useTz: true }).nullable().comment('When the page was delivered (null while due)');
    table.timestamp('page_lease_until', { useTz: true }).nullable().comment('A replica is delivering the page until then; after it, another may retry');
    table.string('resolve_key').nullable().comment('Dedup key of a delivered page whose condition has cleared and that is still to be resolved');
    table.timestamp('updated_at', { useTz: true }).notNullable().comment('Last write');
    table.index(['entity_ref', 'environment'], 'promotion_burn_watch_lane_idx');
  });

  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.string('resolution', 16).nullable().comment('confirmed or overridden, for automatic rollbacks');
    table.string('resolved_by').nullable().comment('On-call engineer who answered');
    table.text('resolution_comment').nullable().comment('Why');
    table.timestamp('resolved_at', { useTz: true }).nullable().comment('When');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.dropColumn('resolution');
    table.dropColumn('resolved_by');
    table.dropColumn('resolution_comment');
    table.dropColumn('resolved_at');
  });
  await knex.schema.dropTable('promotion_burn_watch');
};
