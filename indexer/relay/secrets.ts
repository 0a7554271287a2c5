/**
 * Signing secrets in the relay's store (table relay_secrets). The relay creates a random Standard Webhooks
 * secret (`whsec_` + base64 of 32 random bytes) for every subscription it learns; the owner reads or
 * rotates it through the relay's authenticated secrets API. During a rotation the previous secret stays
 * valid until `previous_valid_until`, and deliveries carry one signature per valid secret.
 */
import { randomBytes } from "node:crypto";
import type { Queryable } from "./db/Db.ts";

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Creates a secret for the subscription unless it has one. */
export async function ensureSecret(db: Queryable, subscriptionId: string, now = Date.now()): Promise<void> {
  await db.query(
    "INSERT INTO relay_secrets (subscription_id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (subscription_id) DO NOTHING",
    [subscriptionId, generateSecret(), now],
  );
}

/** ensureSecret for many subscriptions in one statement (only those without a secret get a new one). */
export async function ensureSecrets(db: Queryable, subscriptionIds: string[], now = Date.now()): Promise<void> {
  if (subscriptionIds.length === 0) return;
  const missing = await db.query<{ id: string }>(
    "SELECT x.id FROM unnest($1::text[]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM relay_secrets s WHERE s.subscription_id = x.id)",
    [subscriptionIds],
  );
  if (missing.length === 0) return;
  await db.query(
    `INSERT INTO relay_secrets (subscription_id, secret, created_at)
     SELECT x.id, x.secret, $2 FROM jsonb_to_recordset($1::jsonb) AS x(id text, secret text)
     ON CONFLICT (subscription_id) DO NOTHING`,
    [JSON.stringify(missing.map((m) => ({ id: m.id, secret: generateSecret() }))), now],
  );
}

export type StoredSecret = { secret: string; previousSecret: string | null; previousValidUntil: number | null };

export async function readSecret(db: Queryable, subscriptionId: string): Promise<StoredSecret | undefined> {
  const [row] = await db.query<{ secret: string; previous_secret: string | null; previous_valid_until: string | number | null }>(
    "SELECT secret, previous_secret, previous_valid_until FROM relay_secrets WHERE subscription_id = $1",
    [subscriptionId],
  );
  if (!row) return undefined;
  return {
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousValidUntil: row.previous_valid_until === null ? null : Number(row.previous_valid_until),
  };
}

/** The secrets a delivery is signed with now: the current one, plus the previous one while still valid. */
export function signingSecrets(stored: StoredSecret | undefined, now = Date.now()): string[] {
  if (!stored) return [];
  const secrets = [stored.secret];
  if (stored.previousSecret && stored.previousValidUntil !== null && stored.previousValidUntil > now) secrets.push(stored.previousSecret);
  return secrets;
}

export async function getSigningSecrets(db: Queryable, subscriptionId: string, now = Date.now()): Promise<string[]> {
  return signingSecrets(await readSecret(db, subscriptionId), now);
}

/**
 * Replaces the secret (with `secret`, or a new random one); the old one keeps signing for `graceMs`.
 * Returns the new secret.
 */
export async function rotateSecret(
  db: Queryable,
  subscriptionId: string,
  { secret = generateSecret(), graceMs = 24 * 3_600_000, now = Date.now() }: { secret?: string; graceMs?: number; now?: number } = {},
): Promise<string> {
  await db.query(
    `INSERT INTO relay_secrets (subscription_id, secret, created_at, rotated_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (subscription_id) DO UPDATE SET previous_secret = relay_secrets.secret, previous_valid_until = $4,
       secret = EXCLUDED.secret, rotated_at = $3`,
    [subscriptionId, secret, now, now + graceMs],
  );
  return secret;
}
