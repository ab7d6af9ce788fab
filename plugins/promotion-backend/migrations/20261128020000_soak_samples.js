// @ts-check

/**
 * Soak telemetry: health samples (pushed by services or read from a metrics
 * provider by the soak gate) and the soak clock of each deployment, so a
 * restarted window survives a restart of the backend.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_soak_samples', table => {
    table.comment(
      'Health samples of deployments: what the soak gate judged and the soak graph shows',
    );
    table.increments('id').primary().comment('Row id');
    table.string('entity_ref').notNullable().comment('Service');
    table
      .string('environment')
      .notNullable()
      .comment('Environment the sample was measured in');
    // No foreign key: samples are telemetry, pruned on their own schedule,
    // and may arrive for a deployment the engine is still writing.
    table
      .string('deployment_id', 36)
      .notNullable()
      .comment('Deployment that was running when the sample was taken');
    table
      .string('digest', 80)
      .nullable()
      .comment(
        "Artifact digest of that deployment, so one artifact never inherits another artifact's samples",
      );
    table
      .string('signal', 32)
      .notNullable()
      .comment('errorRate, latency, saturation, requestsGood or requestsTotal');
    // NULL, not NaN: SQLite cannot store NaN and PostgreSQL sorts it oddly.
    table
      .double('value')
      .nullable()
      .comment(
        'Sample value; NULL when the source said NaN (counts as a breach)',
      );
    table
      .timestamp('at', { useTz: true })
      .notNullable()
      .comment('When the sample was measured');
    table
      .string('source', 32)
      .notNullable()
      .comment("Where it came from: 'push' or the metrics provider's name");
    // Unique so re-reading a window or retrying a push stores nothing twice;
    // it is also the index the gate and the soak graph read through.
    table.unique(['deployment_id', 'signal', 'at', 'source'], {
      indexName: 'promotion_soak_samples_deployment_uq',
    });
    table.index(
      ['entity_ref', 'environment', 'signal', 'at'],
      'promotion_soak_samples_lane_idx',
    );
    table.index(['at'], 'promotion_soak_samples_at_idx');
  });

  await knex.schema.createTable('promotion_soak_state', table => {
    table.comment('The soak clock of each deployment being soaked');
    table
      .string('deployment_id', 36)
      .primary()
      .notNullable()
      .comment('Deployment being soaked (in the source environment)');
    table
      .timestamp('window_started_at', { useTz: true })
      .notNullable()
      .comment('Start of the current unbroken soak window');
    table
      .timestamp('last_breach_at', { useTz: true })
      .nullable()
      .comment('Time of the sample that last breached a threshold');
    table
      .text('last_breach_reason')
      .nullable()
      .comment('What breached, e.g. "errorRate 0.07 > 0.05"');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('Last write');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_soak_state');
  await knex.schema.dropTable('promotion_soak_samples');
};
