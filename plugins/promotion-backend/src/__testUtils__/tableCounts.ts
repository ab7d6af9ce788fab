import { Knex } from 'knex';

/**
 * Row counts of every plugin table (name starting with `promotion_`, the
 * migration bookkeeping excepted), found in the database rather than listed,
 * so a table added later is counted too.
 *
 * Refused human actions (403) are audited by design, so `promotion_events`
 * rows whose kind ends with `.refused` are left out: a refused request still
 * changes nothing.
 */
export async function pluginTableCounts(
  knex: Knex,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await pluginTables(knex)) {
    const query = knex(table).count({ count: '*' });
    if (table === 'promotion_events') {
      query.whereNot('kind', 'like', '%.refused');
    }
    const [{ count }] = await query;
    counts[table] = Number(count);
  }
  return counts;
}

async function pluginTables(knex: Knex): Promise<string[]> {
  const client = String(knex.client.config.client);
  const names: string[] = client.includes('sqlite')
    ? (await knex('sqlite_master').where({ type: 'table' }).select('name')).map(
        (r: { name: string }) => r.name,
      )
    : (
        await knex('information_schema.tables')
          .whereRaw('table_schema = current_schema()')
          .select({ name: 'table_name' })
      ).map((r: { name: string }) => r.name);
  return names
    .filter(n => n.startsWith('promotion_') && !n.startsWith('promotion__'))
    .sort();
}
