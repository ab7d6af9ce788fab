// @ts-check

/**
 * Human decisions: approvals, holds after rollbacks, stop-the-line freezes,
 * and the rollback record (with its MTTR clock).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_approvals', table => {
    table.comment('Approve or reject decisions on promotions that need approval');
    table.increments('id').primary().comment('Row id');
    table.string('promotion_id', 36).notNullable().references('id').inTable('promotion_promotions').onDelete('CASCADE').comment('Promotion decided on');
    table.string('actor').notNullable().comment('User entity ref of the approver');
    table.string('decision', 16).notNullable().comment('approved or rejected');
    table.text('comment').nullable().comment('Why');
    table.timestamp('at', { useTz: true }).notNullable().comment('When');
    table.unique(['promotion_id', 'actor'], { indexName: 'promotion_approvals_once_uq' });
  });

  await knex.schema.createTable('promotion_holds', table => {
    table.comment('Artifacts automation must not promote into an environment again');
    table.string('id', 36).primary().notNullable().comment('Hold id (uuid)');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('environment').notNullable().comment('Environment held');
    table.string('artifact_id', 36).notNullable().references('id').inTable('promotion_artifacts').comment('Artifact held out');
    table.text('reason').notNullable().comment('Why (usually the rollback reason)');
    table.string('created_by').notNullable().comment('Who or what placed it');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('When');
    table.string('released_by').nullable().comment('Who released it');
    table.timestamp('released_at', { useTz: true }).nullable().comment('When it was released');
    table.index(['entity_ref', 'environment'], 'promotion_holds_lane_idx');
  });

  await knex.schema.createTable('promotion_freezes', table => {
    table.comment('Stop the line: no promotions into an environment until lifted');
    table.string('id', 36).primary().notNullable().comment('Freeze id (uuid)');
    table.string('entity_ref').nullable().comment('Service, or null for every service');
    table.string('origin_entity_ref').notNullable().comment('Service it was created from; lifting it is checked against this one');
    table.string('environment').notNullable().comment('Environment frozen');
    table.text('reason').notNullable().comment('Why');
    table.string('created_by').notNullable().comment('Who froze it');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('When');
    table.string('lifted_by').nullable().comment('Who lifted it');
    table.timestamp('lifted_at', { useTz: true }).nullable().comment('When it was lifted');
    table.index(['environment'], 'promotion_freezes_env_idx');
  });

  await knex.schema.createTable('promotion_rollbacks', table => {
    table.comment('Rollbacks, manual or automatic, with the time they took to reach the deployer');
    table.string('id', 36).primary().notNullable().comment('Rollback id; equals its promotion id');
    table.string('entity_ref').notNullable().comment('Service');
    table.string('environment').notNullable().comment('Environment rolled back');
    table.string('from_artifact_id', 36).notNullable().comment('Artifact rolled back');
    table.string('to_artifact_id', 36).notNullable().comment('Artifact returned to');
    table.string('trigger', 16).notNullable().comment('manual or auto');
    table.string('actor').notNullable().comment('Who asked for it (engine for auto)');
    table.text('reason').notNullable().comment('Why');
    table.text('evidence').nullable().comment('JSON evidence, e.g. burn rates');
    table.timestamp('detected_at', { useTz: true }).notNullable().comment('Burn-rate threshold crossed, or request time for manual');
    table.timestamp('dispatched_at', { useTz: true }).nullable().comment('When the deployer accepted the rollback deployment');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('When');
    table.index(['entity_ref', 'environment'], 'promotion_rollbacks_lane_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_rollbacks');
  await knex.schema.dropTable('promotion_freezes');
  await knex.schema.dropTable('promotion_holds');
  await knex.schema.dropTable('promotion_approvals');
};
