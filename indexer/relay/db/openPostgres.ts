/**
 * Postgres through `pg` (a Pool). The relay's tables live in `schema` (search_path), created on first use,
 * so several relays or test runs can share one database.
 */
import { RelayError } from "../errors.ts";
import type { Db, Queryable, Row } from "./Db.ts";

// `pg` ships no types (and @types/pg is not installed): the few members we use, typed here.
type PgQueryResult = { rows: Row[] };
type PgClient = { query(sql: string, params?: unknown[]): Promise<PgQueryResult>; release(destroy?: boolean): void };
type PgPool = {
  query(sql: string, params?: unknown[]): Promise<PgQueryResult>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): void;
};
type PgModule = { default: { Pool: new (config: Record<string, unknown>) => PgPool } };

export type PostgresOptions = { connectionString: string; schema: string; max?: number };

export async function openPostgres({ connectionString, schema, max = 10 }: PostgresOptions): Promise<Db> {
  // A string specifier keeps TypeScript from looking for pg's (absent) declarations.
  const specifier: string = "pg";
  const { default: pg } = (await import(specifier)) as PgModule;
  const pool = new pg.Pool({ connectionString, max, options: `-c search_path=${schema}` });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", (error) => console.error(`[relay] postgres pool: ${error.message}`));
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new RelayError("db_unavailable", `Cannot use Postgres: ${(error as Error).message}`, { schema }, { cause: error });
  }
  const run = async <T extends Row>(target: Pick<PgPool, "query">, sql: string, params?: readonly unknown[]) =>
    (await target.query(sql, params ? [...params] : undefined)).rows as T[];
  return {
    kind: "postgres",
    query: (sql, params) => run(pool, sql, params),
    transaction: async (fn) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const scoped: Queryable = { query: (sql, params) => run(client, sql, params) };
        const result = await fn(scoped);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}
