import fc from 'fast-check';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  insertRows,
  rowsJson,
  updateRows,
  upsertRows,
  whereAnyOf,
  wherePairIn,
} from './bulk';

const databases = createTestDatabases();

// Characters an array or JSON literal would have to escape.
const AWKWARD = [
  'plain',
  'with,comma',
  'with"quote',
  "it's",
  '{braces}',
  'back\\slash',
  'ünïcode',
  'NULL',
  '',
];

describe('rowsJson', () => {
  it('writes what JSON.stringify writes, times shared or not, null or not', () => {
    const time = fc.oneof(
      fc.constant(null),
      fc.constant(new Date('2026-12-07T12:00:00.000Z')),
      fc.date({ noInvalidDate: true }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.string(),
            n: fc.option(fc.integer()),
            at: time,
            until: time,
            details: fc.jsonValue(),
          }),
          { minLength: 1 },
        ),
        rows => {
          expect(rowsJson(rows)).toBe(JSON.stringify(rows));
        },
      ),
    );
  });
});

describe.each(databases.eachSupportedId())(
  'bulk statements on %p',
  databaseId => {
    let knex: Knex;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await knex.schema.createTable('bulk_rows', table => {
        table.increments('id');
        table.string('name').notNullable();
        table.string('lane').notNullable();
        table.boolean('flag').notNullable();
        table.integer('n').nullable();
        table.timestamp('at', { useTz: true }).notNullable();
        table.unique(['name', 'lane']);
      });
      await knex.schema.createTable('bulk_free', table => {
        table.increments('id');
        table.string('name').nullable();
        table.integer('n').nullable();
        table.boolean('flag').nullable();
        table.timestamp('at', { useTz: true }).nullable();
      });
      await knex.schema.createTable('bulk_moves', table => {
        table.string('id').primary();
        table.string('state').notNullable();
        table.string('reason').nullable();
        table.timestamp('at', { useTz: true }).nullable();
      });
    });

    const at = new Date('2026-12-06T10:00:00.123Z');
    const rowsOf = (names: string[]) =>
      names.map((name, i) => ({
        name,
        lane: 'prod',
        flag: i % 2 === 0,
        n: i,
        at,
      }));

    it('inserts every row with its values, in the order given', async () => {
      await insertRows(knex, 'bulk_rows', rowsOf(AWKWARD));
      const stored = await knex('bulk_rows').orderBy('id');
      expect(stored.map(r => r.name)).toEqual(AWKWARD);
      expect(stored.map(r => Boolean(r.flag))).toEqual(
        AWKWARD.map((_, i) => i % 2 === 0),
      );
      expect(stored.map(r => r.n)).toEqual(AWKWARD.map((_, i) => i));
      expect(new Date(stored[0].at).toISOString()).toBe(at.toISOString());
    });

    it('inserts rows as written whichever columns they share', async () => {
      // Few values per column, so that batches often share a column (sent
      // once) and often do not; equal times are different Date objects.
      const times = ['2026-12-06T10:00:00.123Z', '2026-12-07T00:00:00.000Z'];
      const row = fc.record({
        name: fc.constantFrom('a', 'b,"x"', "it's", null),
        n: fc.constantFrom(1, 2, null),
        flag: fc.constantFrom(true, false, null),
        at: fc
          .constantFrom(...times, null)
          .map(time => (time === null ? null : new Date(time))),
      });
      const read = (r: Record<string, any>) => ({
        name: r.name,
        n: r.n,
        flag: r.flag === null ? null : Boolean(r.flag),
        at: r.at === null ? null : new Date(r.at).toISOString(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(row, { minLength: 1, maxLength: 6 }),
          async rows => {
            await knex('bulk_free').del();
            await insertRows(knex, 'bulk_free', rows);
            const stored = await knex('bulk_free').orderBy('id');
            expect(stored.map(read)).toEqual(rows.map(read));
          },
        ),
        { numRuns: 40 },
      );
    });

    it('finds rows by any of many values, and only those', async () => {
      await insertRows(knex, 'bulk_rows', rowsOf([...AWKWARD, 'other']));
      const found = await whereAnyOf(knex('bulk_rows'), 'name', AWKWARD);
      expect(found.map((r: { name: string }) => r.name).sort()).toEqual(
        [...AWKWARD].sort(),
      );
      expect(await whereAnyOf(knex('bulk_rows'), 'name', ['none'])).toEqual([]);
    });

    it('finds rows by pairs, not by their values crossed', async () => {
      await insertRows(knex, 'bulk_rows', [
        { name: 'a', lane: 'dev', flag: true, n: 1, at },
        { name: 'a', lane: 'prod', flag: true, n: 2, at },
        { name: 'b,"x"', lane: 'dev', flag: true, n: 3, at },
        { name: 'b,"x"', lane: 'prod', flag: true, n: 4, at },
      ]);
      const found = await wherePairIn(
        knex('bulk_rows'),
        ['name', 'lane'],
        [
          ['a', 'dev'],
          ['b,"x"', 'prod'],
        ],
      );
      expect(found.map((r: { n: number }) => r.n).sort()).toEqual([1, 4]);
    });

    it('upserts: a row whose key exists replaces its other columns', async () => {
      await insertRows(knex, 'bulk_rows', rowsOf(['a', 'b']));
      await upsertRows(
        knex,
        'bulk_rows',
        ['name', 'lane'],
        [
          { name: 'b', lane: 'prod', flag: true, n: 20, at },
          { name: 'c', lane: 'prod', flag: false, n: 30, at },
        ],
      );
      const stored = await knex('bulk_rows').orderBy('name');
      expect(stored.map(r => [r.name, r.n])).toEqual([
        ['a', 0],
        ['b', 20],
        ['c', 30],
      ]);
    });

    it('updates each row with its own values where the condition still holds', async () => {
      await knex('bulk_moves').insert([
        { id: 'a', state: 'pending' },
        { id: 'b,"x"', state: 'pending' },
        { id: 'c', state: 'cancelled' },
        { id: 'd', state: 'pending' },
      ]);
      const updated = await updateRows(
        knex,
        'bulk_moves',
        [
          { id: 'a', reason: 'first' },
          { id: 'b,"x"', reason: "it's second" },
          { id: 'c', reason: 'not pending' },
        ],
        { state: 'promoted', at },
        { state: 'pending' },
      );
      expect(updated.sort()).toEqual(['a', 'b,"x"']);
      const stored = await knex('bulk_moves').orderBy('id');
      expect(stored.map(r => [r.id, r.state, r.reason])).toEqual([
        ['a', 'promoted', 'first'],
        ['b,"x"', 'promoted', "it's second"],
        ['c', 'cancelled', null],
        ['d', 'pending', null],
      ]);
      expect(new Date(stored[0].at).toISOString()).toBe(at.toISOString());
    });

    it('writes nothing for no rows', async () => {
      await insertRows(knex, 'bulk_rows', []);
      await upsertRows(knex, 'bulk_rows', ['name', 'lane'], []);
      expect(await knex('bulk_rows')).toEqual([]);
    });
  },
);
