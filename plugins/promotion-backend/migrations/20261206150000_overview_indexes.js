// @ts-check

/**
 * Index for the org-wide overview (GET /v1/overview): recent rollbacks of
 * every service, newest first, read without scanning the whole table. The
 * overview's other reads walk the existing state indexes. No columns change.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.index(['created_at'], 'promotion_rollbacks_created_idx');
  });
  await knex.schema.alterTable('promotion_freezes', table => {
    // Freezes in force: not lifted yet.
    table.index(['lifted_at'], 'promotion_freezes_lifted_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_freezes', table => {
    table.dropIndex(['lifted_at'], 'promotion_freezes_lifted_idx');
  });
  await knex.schema.alterTable('promotion_rollbacks', table => {
    table.dropIndex(['created_at'], 'promotion_rollbacks_created_idx');
  });
};
