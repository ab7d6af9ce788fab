// @ts-check

/**
 * Incident freezes: a lane whose incident gate sees a matching alert firing
 * (or cannot read its alert source) is frozen until the gate reads the
 * source clean again. One row per lane while the freeze lasts; the start and
 * end are audit events (incident.freeze.started / .ended).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_incident_freezes', table => {
    table.comment('Lanes whose promotions an incident (a firing alert) stops');
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The service (catalog entity ref)');
    table
      .string('environment', 63)
      .notNullable()
      .comment('The environment promotions into which are stopped');
    table
      .string('source', 63)
      .notNullable()
      .comment('The alert source the incident gate read (e.g. alertmanager)');
    table
      .text('reason')
      .notNullable()
      .comment(
        'Why, as the gate said it: the alerts firing, or that the source cannot be read',
      );
    table
      .text('alerts')
      .notNullable()
      .comment(
        'JSON list of the alerts firing at the last read (empty while the source is unreadable)',
      );
    table
      .timestamp('started_at', { useTz: true })
      .notNullable()
      .comment('When the gate first saw the lane frozen');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the gate last read the source and still found it frozen');
    table.primary(['entity_ref', 'environment']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_incident_freezes');
};
