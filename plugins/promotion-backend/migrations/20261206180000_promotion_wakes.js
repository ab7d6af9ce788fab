// @ts-check

/**
 * A wake (an approval, a test report, a lifted freeze) that arrives while the
 * engine evaluates a promotion must not be overwritten when the engine hands
 * the promotion back with its next due time. Comparing times cannot tell (a
 * wake in the same millisecond looks like no wake), so wakes are counted: the
 * engine keeps the due time a wake set when the count moved since its claim.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotion_promotions', table => {
    table
      .integer('wakes')
      .notNullable()
      .defaultTo(0)
      .comment('How often something woke this promotion; compared on release');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_promotions', table => {
    table.dropColumn('wakes');
  });
};
