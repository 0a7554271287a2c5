/**
 * Single-use nonces of wallet-signed requests. A nonce is burned (per signer) the first time a request carrying
 * it passes signature verification; a second request with the same (signer, nonce) is a replay. A nonce is kept
 * until its request's timestamp leaves the ±tolerance window — after that the timestamp check alone rejects
 * the request — and then purged.
 */
import type { Db, Queryable } from "../db/Db.ts";
import { runMigration } from "../db/migrate.ts";

export interface NonceStore {
  /**
   * Burns `nonce` for `signer` (lowercase address). True the first time, false when it was already used
   * (a replay). `expiresAt` (epoch ms): when the row may be forgotten.
   */
  consume(signer: string, nonce: string, expiresAt: number, now: number): Promise<boolean>;
  /** Deletes nonces expired at `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export const AUTH_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS relay_nonces (
  signer TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (signer, nonce)
);
CREATE INDEX IF NOT EXISTS relay_nonces_expiry ON relay_nonces (expires_at);
`;

/**
 * Creates relay_nonces if missing (idempotent; db/migrate.ts runMigration: once per version of the script, under
 * an advisory lock on Postgres). The Db nonce store also runs it once before first use.
 */
export async function migrateAuth(db: Db): Promise<void> {
  await runMigration(db, "auth", AUTH_SCHEMA_SQL);
}

export type DbNonceStoreOptions = {
  /** Purge expired rows at most this often, piggy-backed on consume() (default 60 s; 0 = every call). */
  purgeEveryMs?: number;
  /** Skip the lazy migration (the caller ran migrateAuth). */
  migrated?: boolean;
};

/** Nonces in the relay's database (table relay_nonces): shared by every relay process on one Postgres. */
export function dbNonceStore(db: Db, { purgeEveryMs = 60_000, migrated = false }: DbNonceStoreOptions = {}): NonceStore {
  let ready: Promise<void> | undefined = migrated ? Promise.resolve() : undefined;
  let lastPurge = Number.NEGATIVE_INFINITY;
  const ensure = () => {
    ready ??= migrateAuth(db).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  const purge = async (q: Queryable, now: number) => {
    const rows = await q.query<{ nonce: string }>("DELETE FROM relay_nonces WHERE expires_at <= $1 RETURNING nonce", [now]);
    return rows.length;
  };
  return {
    async consume(signer, nonce, expiresAt, now) {
      await ensure();
      if (now - lastPurge >= purgeEveryMs) {
        lastPurge = now;
        await purge(db, now);
      }
      const rows = await db.query<{ nonce: string }>(
        "INSERT INTO relay_nonces (signer, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (signer, nonce) DO NOTHING RETURNING nonce",
        [signer.toLowerCase(), nonce.toLowerCase(), expiresAt],
      );
      return rows.length === 1;
    },
    async purgeExpired(now) {
      await ensure();
      return purge(db, now);
    },
  };
}

/** In-process nonces (one relay process, tests). */
export function memoryNonceStore(): NonceStore & { size(): number } {
  const used = new Map<string, number>();
  return {
    async consume(signer, nonce, expiresAt) {
      const key = `${signer.toLowerCase()}:${nonce.toLowerCase()}`;
      if (used.has(key)) return false;
      used.set(key, expiresAt);
      return true;
    },
    async purgeExpired(now) {
      let purged = 0;
      for (const [key, expiresAt] of used) {
        if (expiresAt <= now) {
          used.delete(key);
          purged++;
        }
      }
      return purged;
    },
    size: () => used.size,
  };
}
