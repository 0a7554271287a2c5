/**
 * The relay's secrets API — wallet-signed, owner only:
 *
 *   POST /v1/subscriptions/:id/secret          the current whsec_ signing secret (created on the first request)
 *   POST /v1/subscriptions/:id/secret/rotate   a new secret; the previous one keeps signing for 24 h (body
 *                                              `{"graceSeconds": 0…86400}` to cut that short, e.g. 0 when it leaked)
 *
 * Answers `{ subscriptionId, secret, previousValidUntil }` (epoch ms, or null) with Cache-Control: no-store.
 * While a previous secret is valid the relay signs every delivery with both (`secretsFor`), so a receiver can
 * switch to the new secret at any time within the grace period without dropping a webhook. Only one previous
 * secret is kept: rotating again within the grace period ends the older secret's grace at once.
 *
 * The owner is the subscription's `owner` in the relay's cache (relay_subscriptions) or, when the relay has not
 * seen it yet, the indexer's GET /v1/subscriptions/:id. Subscriptions cannot change owner on chain, so a cached
 * owner never goes stale. The signer comes from walletAuth (../auth/): an EOA or an EIP-1271 account.
 *
 * Storage: table relay_secrets of the core schema (../db/migrate.ts), through ../secrets.ts.
 * Errors: `{ error: { code, message, details? } }`.
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { Queryable } from "../db/Db.ts";
import { ensureSecret, getSigningSecrets, readSecret, rotateSecret } from "../secrets.ts";

/** How long a rotated-out secret keeps signing (24 h). */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

/**
 * The secrets a delivery of `subscriptionId` is signed with at `now` (epoch ms): [current] or
 * [current, previous] while the previous one is within its grace period; [] when it has none yet.
 */
export function secretsFor(db: Queryable, subscriptionId: string, now = Date.now()): Promise<string[]> {
  return getSigningSecrets(db, subscriptionId, now);
}

/** secretsFor bound to one database: `(subscriptionId, now?) => secrets`. */
export function bindSecretsFor(db: Queryable): (subscriptionId: string, now?: number) => Promise<string[]> {
  return (subscriptionId, now = Date.now()) => getSigningSecrets(db, subscriptionId, now);
}

/** The owner (address, any case) of a subscription, or undefined when it does not exist. Throws when it cannot tell. */
export type OwnerLookup = (subscriptionId: string) => Promise<string | undefined>;

export class OwnerLookupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OwnerLookupError";
  }
}

type OwnerLookupOptions = { db: Queryable; indexerUrl?: string; fetchImpl?: typeof fetch; timeoutMs?: number };

/**
 * An owner lookup over one of the relay's caches (`table`: relay_subscriptions or relay_schedules, by id), else
 * the indexer's GET <indexerUrl>/v1/<resource>/:id (owners cannot change on chain, so a cached one never goes stale).
 */
export function cachedOwnerLookup(
  table: "relay_subscriptions" | "relay_schedules",
  resource: "subscriptions" | "schedules",
  { db, indexerUrl, fetchImpl = fetch, timeoutMs = 5_000 }: OwnerLookupOptions,
): OwnerLookup {
  return async (id) => {
    const [cached] = await db.query<{ owner: string }>(`SELECT owner FROM ${table} WHERE id = $1`, [id]);
    if (cached?.owner) return cached.owner;
    if (!indexerUrl) return undefined;
    const url = `${indexerUrl.replace(/\/+$/, "")}/v1/${resource}/${encodeURIComponent(id)}`;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new OwnerLookupError(`GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new OwnerLookupError(`GET ${url} -> HTTP ${response.status}`);
    const body = (await response.json().catch(() => undefined)) as { owner?: unknown } | undefined;
    if (typeof body?.owner !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(body.owner)) throw new OwnerLookupError(`GET ${url} answered no owner`);
    return body.owner;
  };
}

/** Owner from the relay's subscription cache, else from the indexer (GET <indexerUrl>/v1/subscriptions/:id). */
export function ownerLookup(options: OwnerLookupOptions): OwnerLookup {
  return cachedOwnerLookup("relay_subscriptions", "subscriptions", options);
}

export type SecretsDeps = {
  db: Queryable;
  /** walletAuth(...) from ../auth/: sets c.get("signer"). Runs once even when the core mounts it too. */
  auth: MiddlewareHandler;
  /** Default: ownerLookup({ db, indexerUrl }). */
  ownerOf?: OwnerLookup;
  indexerUrl?: string;
  /** Default 24 h. */
  graceMs?: number;
  /** Epoch ms (default Date.now). */
  now?: () => number;
};

const errorBody = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { code, message, ...(details ? { details } : {}) } });

const DECIMAL_ID = /^\d{1,78}$/;

/** What owns a secret: a subscription (key = its id) or a schedule (key = `schedule:<id>`). */
export type SecretOwnerKind = "subscription" | "schedule";

/**
 * Middleware: `:id` must be a decimal id and the request's signer (set by walletAuth) its owner; answers 400
 * (`invalid_<kind>_id`), 401 (`auth_missing`), 503 (`owner_lookup_failed`), 404 (`<kind>_not_found`) or 403
 * (`not_<kind>_owner`, "Only the owner of <kind> <id> may <what>") otherwise, and marks the answer no-store.
 */
export function ownerOnly(ownerOf: OwnerLookup, kind: SecretOwnerKind, what: string): MiddlewareHandler {
  const Kind = kind[0]!.toUpperCase() + kind.slice(1);
  return async (c, next) => {
    const id = c.req.param("id") ?? "";
    if (!DECIMAL_ID.test(id)) return c.json(errorBody(`invalid_${kind}_id`, `${Kind} id must be a decimal integer, got ${JSON.stringify(id)}`), 400);
    const signer = ((c.get as (key: string) => unknown)("signer") as string | undefined)?.toLowerCase();
    if (!signer) return c.json(errorBody("auth_missing", "This route needs a wallet-signed request"), 401);
    let owner: string | undefined;
    try {
      owner = await ownerOf(id);
    } catch (error) {
      return c.json(errorBody("owner_lookup_failed", `Cannot tell who owns ${kind} ${id} right now: ${(error as Error).message}`, { id }), 503);
    }
    if (owner === undefined) return c.json(errorBody(`${kind}_not_found`, `${Kind} ${id} does not exist (yet)`, { id }), 404);
    if (owner.toLowerCase() !== signer) return c.json(errorBody(`not_${kind}_owner`, `Only the owner of ${kind} ${id} may ${what}`, { id, signer }), 403);
    c.header("cache-control", "no-store");
    await next();
  };
}

/**
 * POST <base>/:id/secret and <base>/:id/secret/rotate for one kind of owner (absolute paths). The secret lives in
 * relay_secrets under `secretKey(id)`; the answer names the id as `idField`.
 */
export function ownedSecretRoutes(
  deps: SecretsDeps & { ownerOf: OwnerLookup },
  { kind, base, idField, secretKey }: { kind: SecretOwnerKind; base: string; idField: string; secretKey: (id: string) => string },
): Hono {
  const { db, ownerOf } = deps;
  const now = deps.now ?? Date.now;
  const graceMs = deps.graceMs ?? SECRET_ROTATION_GRACE_MS;
  const app = new Hono();
  const checkOwner = ownerOnly(ownerOf, kind, "read or rotate its secret");
  for (const path of [`${base}/:id/secret`, `${base}/:id/secret/rotate`]) app.use(path, deps.auth, checkOwner);

  const answer = async (c: Context, id: string) => {
    const stored = await readSecret(db, secretKey(id));
    if (!stored) throw new Error(`relay_secrets has no row for ${secretKey(id)} after writing it`);
    const previousValid = stored.previousSecret !== null && stored.previousValidUntil !== null && stored.previousValidUntil > now();
    return c.json({ [idField]: id, secret: stored.secret, previousValidUntil: previousValid ? stored.previousValidUntil : null });
  };

  app.post(`${base}/:id/secret`, async (c) => {
    const id = c.req.param("id");
    await ensureSecret(db, secretKey(id), now());
    return answer(c, id);
  });

  app.post(`${base}/:id/secret/rotate`, async (c) => {
    const id = c.req.param("id");
    let grace = graceMs;
    const text = (await c.req.text()).trim();
    if (text !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return c.json(errorBody("invalid_body", "The body must be JSON: {} or {\"graceSeconds\": n}"), 400);
      }
      const value = (body as { graceSeconds?: unknown } | null)?.graceSeconds;
      if (value !== undefined) {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value * 1000 > graceMs) {
          return c.json(errorBody("invalid_grace", `graceSeconds must be an integer in [0, ${graceMs / 1000}]`), 400);
        }
        grace = value * 1000;
      }
    }
    // An owner the relay has never seen has no secret yet: the rotation creates one (no previous).
    const key = secretKey(id);
    const [existing] = await db.query("SELECT 1 FROM relay_secrets WHERE subscription_id = $1", [key]);
    if (existing) await rotateSecret(db, key, { graceMs: grace, now: now() });
    else await ensureSecret(db, key, now());
    return answer(c, id);
  });

  return app;
}

/** The subscription secrets routes as a Hono app with absolute paths: mount it with `app.route("/", secretsRoutes(deps))`. */
export function secretsRoutes(deps: SecretsDeps): Hono {
  const ownerOf = deps.ownerOf ?? ownerLookup({ db: deps.db, indexerUrl: deps.indexerUrl });
  return ownedSecretRoutes({ ...deps, ownerOf }, { kind: "subscription", base: "/v1/subscriptions", idField: "subscriptionId", secretKey: (id) => id });
}
