/**
 * JSON encoding of indexed rows: bigints become decimal strings (uint256 does not fit a JSON number).
 * Addresses and hashes are already lowercase in the database. Pure module.
 */
import { replaceBigInts } from "ponder";

export type Jsonify<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? Jsonify<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonify<T[K]> }
      : T;

/** Replaces every bigint in `value` (deeply) with its decimal string. */
export function toJson<T>(value: T): Jsonify<T> {
  return replaceBigInts(value, (v) => v.toString()) as Jsonify<T>;
}

/** A page of a cursor-paginated list. `nextCursor` is null on the last page. */
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * Builds a page from `rows` fetched with `limit + 1`: if the extra row is there, the page is full and the
 * cursor is the last returned item's key.
 */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last === undefined ? null : cursorOf(last) };
}
