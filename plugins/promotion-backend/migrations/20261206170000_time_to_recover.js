// @ts-check

/**
 * Honest time to recover: from when the release started burning (or arrived,
 * whichever is later) to the previous artifact serving again.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotion_burn_watch', table => {
    table
      .timestamp('burning_since', { useTz: true })
      .nullable()
      .comment(
        'First reading of the current burning streak (a window over burn rate 1); null while not burning',
      );
  });
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table
      .timestamp('impact_started_at', { useTz: true })
      .nullable()
      .comment(
        'When the rolled-back release started hurting: its first burning reading, or its arrival if later; null when it never burned',
      );
    table
      .timestamp('restored_at', { useTz: true })
      .nullable()
      .comment(
        'When the rollback deployment turned healthy: the previous artifact serving again',
      );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.dropColumn('restored_at');
    table.dropColumn('impact_started_at');
  });
  await knex.schema.alterTable('promotion_burn_watch', table => {
    table.dropColumn('burning_since');
  });
};
