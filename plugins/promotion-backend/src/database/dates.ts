/** Reads a stored timestamp: PostgreSQL gives Dates, SQLite epoch milliseconds (number or numeric string). */
export function toDate(value: Date | string | number): Date;
export function toDate(
  value: Date | string | number | null | undefined,
): Date | undefined;
export function toDate(value: Date | string | number | null | undefined) {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (value instanceof Date) {
    return value;
  }
  return new Date(/^\d+$/.test(String(value)) ? Number(value) : value);
}
