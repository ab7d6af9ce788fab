import { Knex } from 'knex';

/**
 * Statements over a whole batch of lanes. On PostgreSQL the values travel as
 * one array or JSON parameter instead of one placeholder each: with thousands
 * of placeholders, parsing and binding a statement cost PostgreSQL more than
 * running it, and the driver as much again. SQLite, in process, takes the
 * plain forms.
 */
export const onPostgres = (db: Knex | Knex.QueryBuilder) =>
  db.client.config.client === 'pg';

/** `column IN (values)`. */
export function whereAnyOf(
  query: Knex.QueryBuilder,
  column: string,
  values: readonly string[],
): Knex.QueryBuilder {
  if (!onPostgres(query)) return query.whereIn(column, [...values]);
  return query.whereRaw('?? = any(?::text[])', [column, [...values]]);
}

/** `(first, second) IN (pairs)`, e.g. the lanes (service, environment) of a batch. */
export function wherePairIn(
  query: Knex.QueryBuilder,
  columns: [string, string],
  pairs: ReadonlyArray<readonly [string, string]>,
): Knex.QueryBuilder {
  if (!onPostgres(query)) {
    return query.whereIn(
      columns,
      pairs.map(pair => [...pair]),
    );
  }
  return query.whereRaw(
    '(??, ??) in (select * from unnest(?::text[], ?::text[]))',
    [...columns, pairs.map(pair => pair[0]), pairs.map(pair => pair[1])],
  );
}

/**
 * The JSON of rows that all have the same keys (or of their `keys`), as
 * `JSON.stringify` writes it. A batch's rows share a few times (the decision
 * time of each lane), and a `Date`'s own `toJSON` is the slowest part of
 * stringifying them, so each distinct time is formatted once.
 */
export function rowsJson(
  rows: object[],
  keys: string[] = Object.keys(rows[0]),
): string {
  const formatted = new Map<number, string>();
  const iso = (date: Date) => {
    const time = date.getTime();
    let text = formatted.get(time);
    if (text === undefined) {
      text = date.toJSON();
      formatted.set(time, text);
    }
    return text;
  };
  return JSON.stringify(
    rows.map(row => {
      const copy: Record<string, unknown> = {};
      for (const key of keys) {
        const value = (row as Record<string, unknown>)[key];
        copy[key] = value instanceof Date ? iso(value) : value;
      }
      return copy;
    }),
  );
}

const sameValue = (a: unknown, b: unknown) =>
  a === b ||
  (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * Rows from JSON, typed as the table's own columns. A column with the same
 * value in every row (a batch's state, trigger, time, the nulls of a new
 * row) travels once, not once a row: PostgreSQL then parses and converts it
 * once, and the batch's JSON is a fraction of its size.
 */
function fromJson(db: Knex, table: string, rows: object[]) {
  const columns = Object.keys(rows[0]);
  const first = rows[0] as Record<string, unknown>;
  const shared = new Set(
    columns.filter(column =>
      rows.every(row =>
        sameValue((row as Record<string, unknown>)[column], first[column]),
      ),
    ),
  );
  // In array order: events keep the order they were written in.
  return db.raw(
    `select ${columns
      .map(() => '??.??')
      .join(
        ', ',
      )} from json_populate_recordset(null::??, ?) with ordinality as r, json_populate_record(null::??, ?) as s order by r.ordinality`,
    [
      ...columns.flatMap(column => [shared.has(column) ? 's' : 'r', column]),
      table,
      rowsJson(
        rows,
        columns.filter(column => !shared.has(column)),
      ),
      table,
      JSON.stringify(
        Object.fromEntries([...shared].map(column => [column, first[column]])),
      ),
    ],
  );
}

/** Inserts rows that all have the same keys. */
export async function insertRows(
  db: Knex,
  table: string,
  rows: object[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!onPostgres(db)) {
    await db(table).insert(rows);
    return;
  }
  await db.raw('insert into ?? (??) ?', [
    table,
    Object.keys(rows[0]),
    fromJson(db, table, rows),
  ]);
}

/** Inserts rows that all have the same keys; a row whose `key` exists replaces its other columns. */
export async function upsertRows(
  db: Knex,
  table: string,
  key: string[],
  rows: object[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!onPostgres(db)) {
    await db(table).insert(rows).onConflict(key).merge();
    return;
  }
  const columns = Object.keys(rows[0]);
  const replaced = columns.filter(column => !key.includes(column));
  await db.raw(
    `insert into ?? (??) ? on conflict (??) do update set ${replaced
      .map(() => '?? = excluded.??')
      .join(', ')}`,
    [
      table,
      columns,
      fromJson(db, table, rows),
      key,
      ...replaced.flatMap(column => [column, column]),
    ],
  );
}

/**
 * Updates many rows, each by its `id` with its own values (`rows`), the same
 * `set` for all, and only where `where` still holds; returns the ids updated.
 */
export async function updateRows(
  db: Knex,
  table: string,
  rows: Array<{ id: string } & Record<string, string | null>>,
  set: Record<string, Knex.Value>,
  where: Record<string, string>,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]).filter(column => column !== 'id');
  if (!onPostgres(db)) {
    // One CASE per column, choosing each row's value by id.
    const perRow = (column: string) =>
      db.raw(
        `CASE id ${rows.map(() => 'WHEN ? THEN ?').join(' ')} END`,
        rows.flatMap(row => [row.id, row[column]]),
      );
    const updated: Array<{ id: string }> = await db(table)
      .whereIn(
        'id',
        rows.map(row => row.id),
      )
      .where(where)
      .update({
        ...Object.fromEntries(columns.map(c => [c, perRow(c)])),
        ...set,
      })
      .returning('id');
    return updated.map(row => row.id);
  }
  const setColumns = Object.keys(set);
  const conditions = Object.keys(where);
  const result = await db.raw(
    `update ?? as t set ${[
      ...columns.map(() => '?? = v.??'),
      ...setColumns.map(() => '?? = ?'),
    ].join(
      ', ',
    )} from json_populate_recordset(null::??, ?) as v where t.id = v.id${conditions
      .map(() => ' and t.?? = ?')
      .join('')} returning t.id`,
    [
      table,
      ...columns.flatMap(column => [column, column]),
      ...setColumns.flatMap(column => [column, set[column]]),
      table,
      rowsJson(rows),
      ...conditions.flatMap(column => [column, where[column]]),
    ],
  );
  return (result.rows as Array<{ id: string }>).map(row => row.id);
}
