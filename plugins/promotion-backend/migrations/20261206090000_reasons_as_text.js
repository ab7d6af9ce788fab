// @ts-check

/**
 * Reasons are free text: the API takes up to 2,000 characters and the engine
 * prefixes them ("rolled back: …", "override of automatic rollback: …"), so
 * the two reason columns that were varchar(255) become text like every other
 * reason column. SQLite does not enforce varchar lengths and would rebuild the
 * tables to alter them, so it is left as it is.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (isSqlite(knex)) return;
  await knex.schema.alterTable('promotion_promotions', table => {
    table.text('reason').nullable().alter().comment('Why it ended as it did, or the rollback reason');
  });
  await knex.schema.alterTable('promotion_artifacts', table => {
    table.text('bad_reason').nullable().alter().comment('Why it was marked bad');
  });
};

/**
 * Back to varchar(255); reasons longer than that are cut.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  if (isSqlite(knex)) return;
  await knex('promotion_promotions')
    .update({ reason: knex.raw('substr(reason, 1, 255)') })
    .whereNotNull('reason');
  await knex('promotion_artifacts')
    .update({ bad_reason: knex.raw('substr(bad_reason, 1, 255)') })
    .whereNotNull('bad_reason');
  await knex.schema.alterTable('promotion_promotions', table => {
    table.string('reason').nullable().alter().comment('Why it ended as it did, or the rollback reason');
  });
  await knex.schema.alterTable('promotion_artifacts', table => {
    table.string('bad_reason').nullable().alter().comment('Why it was marked bad');
  });
};

/** @param {import('knex').Knex} knex */
function isSqlite(knex) {
  return String(knex.client.config.client).includes('sqlite');
}
