import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dbNonceStore, walletAuth } from "../../indexer/relay/auth/index.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { migrate } from "../../indexer/relay/db/migrate.ts";
import { openPglite } from "../../indexer/relay/db/openPglite.ts";
import { bindSecretsFor, SECRET_ROTATION_GRACE_MS, secretsFor, secretsRoutes } from "../../indexer/relay/secrets/index.ts";
import { signedFetch, signRequest } from "../../sdk/signedRequest.ts";
import { signWebhook, verifyWebhook } from "../../sdk/webhooks.ts";

const CHAIN_ID = 31337;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
const owner = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const indexerOwner = privateKeyToAccount(generatePrivateKey());

async function listen(app: Hono): Promise<{ url: string; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("secrets API (real Hono app on 127.0.0.1, PGlite, wallet-signed requests)", () => {
  let dir: string;
  let db: Db;
  let clock = 1_700_000_000_000;
  let relay: Awaited<ReturnType<typeof listen>>;
  let indexer: Awaited<ReturnType<typeof listen>>;
  let indexerUp = true;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "concord-secrets-"));
    db = await openPglite(dir);
    await migrate(db);
    // Subscription 1 is in the relay's cache; 2 is only known to the indexer; 3 exists nowhere.
    await db.query(
      `INSERT INTO relay_subscriptions (id, owner, swarm_id, kinds, members, endpoint, status, confirmation_mode, confirmations, ordered, raw, refreshed_at)
       VALUES ('1', $1, '1', '["task"]', '[]', 'http://127.0.0.1:9/hook', 'active', 'immediate', 0, true, '{}', 0)`,
      [owner.address.toLowerCase()],
    );
    const fakeIndexer = new Hono();
    fakeIndexer.get("/v1/subscriptions/:id", (c) => {
      if (!indexerUp) return c.json({ error: { code: "unavailable", message: "down" } }, 503);
      if (c.req.param("id") === "2") return c.json({ id: "2", owner: indexerOwner.address.toLowerCase(), status: "paused" });
      return c.json({ error: { code: "subscription_not_found", message: "no" } }, 404);
    });
    indexer = await listen(fakeIndexer);
    const app = new Hono();
    const auth = walletAuth({ chainId: CHAIN_ID, verifyingContract: REGISTRY, nonceStore: dbNonceStore(db), now: () => clock });
    // As the core mounts it: its own auth on /v1/subscriptions/* plus the secrets routes (which verify once).
    app.use("/v1/subscriptions/*", auth);
    app.route("/", secretsRoutes({ db, auth, indexerUrl: indexer.url, now: () => clock }));
    relay = await listen(app);
  });

  afterAll(async () => {
    await relay.close();
    await indexer.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    indexerUp = true;
  });

  const call = async (signer: typeof owner, pathName: string, body?: string) => {
    const headers = await signRequest(signer, { method: "POST", path: pathName, body, chainId: CHAIN_ID, verifyingContract: REGISTRY, timestamp: Math.floor(clock / 1000) });
    const res = await fetch(`${relay.url}${pathName}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
    return { status: res.status, cache: res.headers.get("cache-control"), json: (await res.json()) as Record<string, any>, headers };
  };

  it("the owner gets the subscription's secret, created on the first request and stable afterwards", async () => {
    expect(await secretsFor(db, "1", clock)).toEqual([]);
    const first = await call(owner, "/v1/subscriptions/1/secret");
    expect(first.status).toBe(200);
    expect(first.cache).toBe("no-store");
    expect(first.json).toEqual({ subscriptionId: "1", secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), previousValidUntil: null });
    const second = await call(owner, "/v1/subscriptions/1/secret");
    expect(second.json.secret).toBe(first.json.secret);
    expect(await secretsFor(db, "1", clock)).toEqual([first.json.secret]);
  });

  it("refuses strangers (403), unsigned requests (401), unknown subscriptions (404) and bad ids (400)", async () => {
    const other = await call(stranger, "/v1/subscriptions/1/secret");
    expect(other.status).toBe(403);
    expect(other.json.error.code).toBe("not_subscription_owner");
    const unsigned = await fetch(`${relay.url}/v1/subscriptions/1/secret`, { method: "POST" });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as any).error.code).toBe("auth_missing");
    const missing = await call(owner, "/v1/subscriptions/3/secret");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("subscription_not_found");
    const bad = await call(owner, "/v1/subscriptions/abc/secret");
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("invalid_subscription_id");
    const strangerRotate = await call(stranger, "/v1/subscriptions/1/secret/rotate");
    expect(strangerRotate.status).toBe(403);
  });

  it("asks the indexer about subscriptions the relay has not cached (and answers 503 when it cannot tell)", async () => {
    expect((await call(owner, "/v1/subscriptions/2/secret")).status).toBe(403);
    const got = await call(indexerOwner, "/v1/subscriptions/2/secret");
    expect(got.status).toBe(200);
    expect(await secretsFor(db, "2", clock)).toEqual([got.json.secret]);
    indexerUp = false;
    const down = await call(indexerOwner, "/v1/subscriptions/2/secret");
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe("owner_lookup_failed");
  });

  it("a replayed signed request is refused, a request signed for another subscription is refused", async () => {
    const once = await call(owner, "/v1/subscriptions/1/secret/rotate");
    expect(once.status).toBe(200);
    const replay = await fetch(`${relay.url}/v1/subscriptions/1/secret/rotate`, { method: "POST", headers: once.headers });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as any).error.code).toBe("auth_replayed");
    const forOther = await signRequest(owner, { method: "POST", path: "/v1/subscriptions/2/secret/rotate", chainId: CHAIN_ID, verifyingContract: REGISTRY, timestamp: Math.floor(clock / 1000) });
    const moved = await fetch(`${relay.url}/v1/subscriptions/1/secret/rotate`, { method: "POST", headers: forOther });
    expect(moved.status).toBe(401);
    expect(((await moved.json()) as any).error.code).toBe("auth_invalid_signature");
  });

  it("rotation: a new secret; both sign for 24 h (either verifies a delivery), then only the new one", async () => {
    const before = (await call(owner, "/v1/subscriptions/1/secret")).json.secret as string;
    const rotated = await call(owner, "/v1/subscriptions/1/secret/rotate");
    expect(rotated.status).toBe(200);
    const current = rotated.json.secret as string;
    expect(current).not.toBe(before);
    expect(rotated.json.previousValidUntil).toBe(clock + SECRET_ROTATION_GRACE_MS);
    expect((await call(owner, "/v1/subscriptions/1/secret")).json).toEqual({ subscriptionId: "1", secret: current, previousValidUntil: clock + SECRET_ROTATION_GRACE_MS });

    const signing = await secretsFor(db, "1", clock);
    expect(signing).toEqual([current, before]);
    const body = JSON.stringify({ id: "evt", type: "task.claimed" });
    const ts = Math.floor(clock / 1000);
    const headers = signWebhook({ id: "msg_0123456789abcdef0123456789abcdef", timestamp: ts, body, secrets: signing });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verifyWebhook(before, headers, body, { now: ts }).id).toBe("msg_0123456789abcdef0123456789abcdef");
    expect(verifyWebhook(current, headers, body, { now: ts }).id).toBe("msg_0123456789abcdef0123456789abcdef");

    const bound = bindSecretsFor(db);
    expect(await bound("1", clock + SECRET_ROTATION_GRACE_MS - 1)).toEqual([current, before]);
    expect(await bound("1", clock + SECRET_ROTATION_GRACE_MS)).toEqual([current]);
    clock += SECRET_ROTATION_GRACE_MS + 1;
    expect((await call(owner, "/v1/subscriptions/1/secret")).json.previousValidUntil).toBeNull();
  });

  it("rotation with graceSeconds 0 revokes the previous secret at once; bad bodies are refused", async () => {
    const rotated = await call(owner, "/v1/subscriptions/1/secret/rotate", JSON.stringify({ graceSeconds: 0 }));
    expect(rotated.status).toBe(200);
    expect(rotated.json.previousValidUntil).toBeNull();
    expect(await secretsFor(db, "1", clock)).toEqual([rotated.json.secret]);
    const hour = await call(owner, "/v1/subscriptions/1/secret/rotate", JSON.stringify({ graceSeconds: 3600 }));
    expect(hour.json.previousValidUntil).toBe(clock + 3_600_000);
    expect(await secretsFor(db, "1", clock)).toEqual([hour.json.secret, rotated.json.secret]);
    for (const bad of ['{"graceSeconds": -1}', '{"graceSeconds": 86401}', '{"graceSeconds": "1"}', '{"graceSeconds": 1.5}']) {
      const res = await call(owner, "/v1/subscriptions/1/secret/rotate", bad);
      expect(res.status, bad).toBe(400);
      expect(res.json.error.code).toBe("invalid_grace");
    }
    expect((await call(owner, "/v1/subscriptions/1/secret/rotate", "not json")).json.error.code).toBe("invalid_body");
    // The refused rotations changed nothing.
    expect(await secretsFor(db, "1", clock)).toEqual([hour.json.secret, rotated.json.secret]);
  });

  it("rotating a subscription without a secret creates one; signedFetch from the SDK works against the API", async () => {
    await db.query("DELETE FROM relay_secrets WHERE subscription_id = '2'");
    const res = await signedFetch(indexerOwner, `${relay.url}/v1/subscriptions/2/secret/rotate`, {
      method: "POST",
      chainId: CHAIN_ID,
      verifyingContract: REGISTRY,
    });
    // signedFetch dates the request with the real clock; this relay's clock is in the past.
    expect(res.status).toBe(401);
    const now = Date.now();
    clock = now;
    const again = await signedFetch(indexerOwner, `${relay.url}/v1/subscriptions/2/secret/rotate`, { method: "POST", chainId: CHAIN_ID, verifyingContract: REGISTRY, body: "{}" });
    expect(again.status).toBe(200);
    const json = (await again.json()) as { secret: string; previousValidUntil: number | null };
    expect(json.previousValidUntil).toBeNull();
    expect(await secretsFor(db, "2", clock)).toEqual([json.secret]);
  });
});
