/**
 * The relay's tiny database interface: one SQL dialect (Postgres), two engines — PGlite (embedded, a data
 * directory, one process) and Postgres (`pg`, shared by several relay processes). Values come back as the
 * engine returns them (BIGINT may be a string or a number): callers convert with Number()/String().
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with $1… parameters and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export type DbKind = "pglite" | "postgres";

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** Runs `fn` in one transaction (BEGIN … COMMIT; ROLLBACK and rethrow if it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
