/** PGlite (Postgres in WASM) in a data directory: the relay's default store for one process. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { RelayError } from "../errors.ts";
import type { Db, Queryable, Row } from "./Db.ts";

export async function openPglite(dataDir: string): Promise<Db> {
  let pglite: PGlite;
  try {
    mkdirSync(dataDir, { recursive: true });
    pglite = await PGlite.create(dataDir);
  } catch (error) {
    throw new RelayError("db_unavailable", `Cannot open PGlite in ${dataDir}: ${(error as Error).message}`, { dataDir }, { cause: error });
  }
  const query = async <T extends Row>(target: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) =>
    (await target.query<T>(sql, params ? [...params] : undefined)).rows;
  return {
    kind: "pglite",
    query: (sql, params) => query(pglite, sql, params),
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      let result: T;
      await pglite.transaction(async (tx) => {
        result = await fn({ query: (sql, params) => query(tx, sql, params) });
      });
      return result!;
    },
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    close: () => pglite.close(),
  };
}
