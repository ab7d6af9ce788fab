// @ts-check

/**
 * One outbox for every page on-call is owed (e2e failures, automatic
 * rollbacks, blind or stuck burn watches). A page is written in the same
 * transaction as the state change that owes it; one delivery loop leases,
 * sends, retries with backoff and marks it done. Pages the burn watch still
 * owed move into the outbox, and the watch loses its own delivery columns.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_pages', table => {
    table.comment('Outbox of pages to send to on-call (and of pages to resolve)');
    table.bigIncrements('id').primary().comment('Order of writing; pages of one dedup key are sent in this order');
    table.string('action', 8).notNullable().comment('trigger (open or update the page) or resolve (close it)');
    table.string('dedup_key', 255).notNullable().comment('Dedup key of the condition; a resolve closes the page with this key');
    table.string('why', 64).notNullable().comment('What owes the page, for the audit log (e2e failed, auto-rollback, auto-rollback-blind …)');
    table.string('entity_ref').notNullable().comment('Service the page is about');
    table.string('environment').nullable().comment('Environment the page is about');
    table.string('digest').nullable().comment('Artifact digest involved, if any');
    table.string('severity', 16).nullable().comment('critical, warning or info (triggers only)');
    table.text('summary').nullable().comment('One line for the pager (triggers only)');
    table.text('details').nullable().comment('JSON facts sent with the page');
    table.timestamp('created_at', { useTz: true }).notNullable().comment('When the state change that owes it was written');
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().comment('Not sent before then (backoff after a failed attempt)');
    table.integer('attempts').notNullable().defaultTo(0).comment('Failed attempts so far');
    table.string('lease_ticket', 36).nullable().comment('Replica sending it now');
    table.timestamp('lease_expires_at', { useTz: true }).nullable().comment('After this another replica may take it over');
    table.timestamp('done_at', { useTz: true }).nullable().comment('When it was delivered or dropped (null: still owed)');
    table.string('outcome', 16).nullable().comment('delivered, or dropped (its condition ended before anyone was told)');
    table.text('last_error').nullable().comment('Why the latest attempt failed');
    table.index(['done_at', 'next_attempt_at'], 'promotion_pages_due_idx');
    table.index(['dedup_key', 'done_at'], 'promotion_pages_key_idx');
  });

  const now = new Date();
  const owed = await knex('promotion_burn_watch').where(q =>
    q
      .where(w => w.whereNotNull('page_key').whereNull('paged_at'))
      .orWhereNotNull('resolve_key'),
  );
  for (const watch of owed) {
    const common = {
      entity_ref: watch.entity_ref,
      environment: watch.environment,
      created_at: now,
      next_attempt_at: now,
      details: JSON.stringify({ burnRate: JSON.parse(watch.reading), rollbackId: watch.rollback_id ?? undefined }),
    };
    if (watch.resolve_key) {
      await knex('promotion_pages').insert({
        ...common,
        action: 'resolve',
        dedup_key: watch.resolve_key,
        why: watch.resolve_key.split(':')[0],
      });
    }
    if (watch.page_key && !watch.paged_at) {
      await knex('promotion_pages').insert({
        ...common,
        action: 'trigger',
        dedup_key: watch.page_key,
        why: watch.page_key.split(':')[0],
        severity: watch.page_severity ?? 'warning',
        summary: watch.page_summary ?? '',
      });
    }
  }

  await knex.schema.alterTable('promotion_burn_watch', table => {
    table.dropColumn('paged_at');
    table.dropColumn('page_lease_until');
    table.dropColumn('resolve_key');
  });
};

/**
 * Pages still owed are lost on the way down; the burn watch gets its
 * delivery columns back, empty.
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('promotion_burn_watch', table => {
    table.timestamp('paged_at', { useTz: true }).nullable().comment('When the page was delivered (null while due)');
    table.timestamp('page_lease_until', { useTz: true }).nullable().comment('A replica is delivering the page until then; after it, another may retry');
    table.string('resolve_key').nullable().comment('Dedup key of a delivered page whose condition has cleared and that is still to be resolved');
  });
  await knex.schema.dropTable('promotion_pages');
};
