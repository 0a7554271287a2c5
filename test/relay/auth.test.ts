import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, getAddress, http as viemHttp, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "../../indexer/relay/db/openPglite.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { dbNonceStore, memoryNonceStore, signerOf, walletAuth, type NonceStore, type WalletAuthOptions } from "../../indexer/relay/auth/index.ts";
import { hashRequestBody, randomNonce, relayRequestDomain, signedFetch, signRequest, signRequestAs } from "../../sdk/signedRequest.ts";

const CHAIN_ID = 31337;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;

type Served = { url: string; close(): Promise<void> };

/** A real Hono app on 127.0.0.1 whose routes echo what the middleware established. */
async function serveApp(options: WalletAuthOptions, { twice = false } = {}): Promise<Served> {
  const app = new Hono();
  app.use("/v1/*", walletAuth(options));
  if (twice) app.use("/v1/*", walletAuth(options));
  app.post("/v1/subscriptions/:id/secret", async (c) => c.json({ signer: signerOf(c), body: await c.req.json(), info: c.get("signedRequest" as never) }));
  app.get("/v1/things", (c) => c.json({ signer: signerOf(c), q: c.req.query("q") }));
  app.delete("/v1/things/:id", (c) => c.json({ signer: signerOf(c) }));
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function send(base: string, method: string, pathAndQuery: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${base}${pathAndQuery}`, { method, headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, body });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const alice = privateKeyToAccount(generatePrivateKey());
const bob = privateKeyToAccount(generatePrivateKey());

describe("walletAuth (EOA, memory nonces)", () => {
  let clock = 1_700_000_000_000;
  const nonces = memoryNonceStore();
  let served: Served;
  const options: WalletAuthOptions = { chainId: CHAIN_ID, verifyingContract: REGISTRY, nonceStore: nonces, now: () => clock };
  const ts = () => Math.floor(clock / 1000);
  const sign = (input: Partial<Parameters<typeof signRequest>[1]> & { method: string; path: string }, signer = alice) =>
    signRequest(signer, { chainId: CHAIN_ID, verifyingContract: REGISTRY, timestamp: ts(), ...input });

  beforeAll(async () => {
    served = await serveApp(options);
  });
  afterAll(() => served.close());

  it("accepts a signed POST, exposes the signer and leaves the raw body readable", async () => {
    const body = JSON.stringify({ hello: "world" });
    const headers = await sign({ method: "post", path: "/v1/subscriptions/7/secret", body });
    const res = await send(served.url, "POST", "/v1/subscriptions/7/secret", headers, body);
    expect(res.status).toBe(200);
    expect(res.json.signer).toBe(alice.address);
    expect(res.json.body).toEqual({ hello: "world" });
    expect(res.json.info).toMatchObject({ method: "POST", path: "/v1/subscriptions/7/secret", bodyHash: hashRequestBody(body), timestamp: ts() });
  });

  it("signs the query string as part of the path, and GETs without a body", async () => {
    const headers = await sign({ method: "GET", path: "/v1/things?q=1" });
    expect((await send(served.url, "GET", "/v1/things?q=1", headers)).json).toEqual({ signer: alice.address, q: "1" });
    const other = await sign({ method: "GET", path: "/v1/things?q=1" });
    expect((await send(served.url, "GET", "/v1/things?q=2", other)).json.error.code).toBe("auth_invalid_signature");
  });

  it("signedFetch signs the URL's path and query and sends the body", async () => {
    const res = await signedFetch(alice, `${served.url}/v1/subscriptions/9/secret`, {
      method: "POST",
      body: '{"a":1}',
      chainId: CHAIN_ID,
      verifyingContract: REGISTRY,
    }, (input, init) => fetch(input, init));
    // The default clock is real time; this server's is fixed in the past.
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("auth_future");
  });

  it("rejects missing headers, naming them", async () => {
    const headers = await sign({ method: "GET", path: "/v1/things" });
    for (const name of Object.keys(headers)) {
      const partial = { ...headers } as Record<string, string>;
      delete partial[name];
      const res = await send(served.url, "GET", "/v1/things", partial);
      expect(res.status, name).toBe(401);
      expect(res.json.error.code).toBe("auth_missing");
      expect(res.json.error.details.missing).toEqual([name]);
    }
  });

  it("rejects malformed headers", async () => {
    const headers = await sign({ method: "GET", path: "/v1/things" });
    for (const [name, value] of [
      ["x-concord-address", "0x1234"],
      ["x-concord-address", "alice"],
      ["x-concord-timestamp", "soon"],
      ["x-concord-timestamp", "1.7e9"],
      ["x-concord-timestamp", "-5"],
      ["x-concord-nonce", "0x1234"],
      ["x-concord-nonce", `0x${"zz".repeat(32)}`],
      ["x-concord-signature", "0xnothex"],
      ["x-concord-signature", "0x1234"],
    ] as const) {
      const res = await send(served.url, "GET", "/v1/things", { ...headers, [name]: value });
      expect(res.status, `${name}=${value}`).toBe(401);
      expect(res.json.error.code, `${name}=${value}`).toBe("auth_malformed");
    }
  });

  it("rejects expired and future requests; accepts the exact ±300 s bounds", async () => {
    for (const [offset, expected] of [
      [-301, "auth_expired"],
      [301, "auth_future"],
      [-3600, "auth_expired"],
    ] as const) {
      const headers = await sign({ method: "GET", path: "/v1/things", timestamp: ts() + offset });
      const res = await send(served.url, "GET", "/v1/things", headers);
      expect(res.status, String(offset)).toBe(401);
      expect(res.json.error.code, String(offset)).toBe(expected);
    }
    for (const offset of [-300, 300]) {
      const headers = await sign({ method: "GET", path: "/v1/things", timestamp: ts() + offset });
      expect((await send(served.url, "GET", "/v1/things", headers)).status, String(offset)).toBe(200);
    }
  });

  it("rejects a replay (same nonce by the same signer) even with a fresh signature; other signers may reuse a nonce value", async () => {
    const nonce = randomNonce();
    const headers = await sign({ method: "GET", path: "/v1/things", nonce });
    expect((await send(served.url, "GET", "/v1/things", headers)).status).toBe(200);
    const replay = await send(served.url, "GET", "/v1/things", headers);
    expect(replay.status).toBe(401);
    expect(replay.json.error.code).toBe("auth_replayed");
    clock += 5_000;
    const resigned = await sign({ method: "GET", path: "/v1/things", nonce });
    expect((await send(served.url, "GET", "/v1/things", resigned)).json.error.code).toBe("auth_replayed");
    const byBob = await sign({ method: "GET", path: "/v1/things", nonce }, bob);
    expect((await send(served.url, "GET", "/v1/things", byBob)).json.signer).toBe(bob.address);
  });

  it("a rejected signature does not burn the nonce", async () => {
    const nonce = randomNonce();
    const wrongPath = await sign({ method: "GET", path: "/v1/other", nonce });
    expect((await send(served.url, "GET", "/v1/things", wrongPath)).json.error.code).toBe("auth_invalid_signature");
    const right = await sign({ method: "GET", path: "/v1/things", nonce });
    expect((await send(served.url, "GET", "/v1/things", right)).status).toBe(200);
  });

  it("rejects requests signed for another chain, registry, method, path or body, or by someone else", async () => {
    const body = '{"x":1}';
    const path = "/v1/subscriptions/7/secret";
    const cases: Array<[string, Record<string, string>, string?]> = [
      ["other chain", await signRequest(alice, { method: "POST", path, body, chainId: 8453, verifyingContract: REGISTRY, timestamp: ts() })],
      ["other registry", await signRequest(alice, { method: "POST", path, body, chainId: CHAIN_ID, verifyingContract: bob.address, timestamp: ts() })],
      ["no registry", await signRequest(alice, { method: "POST", path, body, chainId: CHAIN_ID, timestamp: ts() })],
      ["other method", await sign({ method: "PUT", path, body })],
      ["other path", await sign({ method: "POST", path: "/v1/subscriptions/8/secret", body })],
      ["other body", await sign({ method: "POST", path, body: '{"x":2}' })],
      ["body with extra whitespace", await sign({ method: "POST", path, body: '{"x": 1}' })],
      ["claims to be bob", { ...(await sign({ method: "POST", path, body })), "x-concord-address": bob.address }],
      ["signed by bob, claims alice", { ...(await sign({ method: "POST", path, body }, bob)), "x-concord-address": alice.address }],
    ];
    for (const [name, headers] of cases) {
      const res = await send(served.url, "POST", path, headers, body);
      expect(res.status, name).toBe(401);
      expect(res.json.error.code, name).toBe("auth_invalid_signature");
    }
    const res = await send(served.url, "POST", path, cases[0]![1], body);
    expect(res.json.error.details.domain).toEqual({ name: "Concord Relay", version: "1", chainId: CHAIN_ID, verifyingContract: REGISTRY });
  });

  it("a route behind two walletAuth layers verifies once (no false replay)", async () => {
    const twice = await serveApp(options, { twice: true });
    try {
      const headers = await sign({ method: "DELETE", path: "/v1/things/3" });
      expect(await send(twice.url, "DELETE", "/v1/things/3", headers)).toEqual({ status: 200, json: { signer: alice.address } });
    } finally {
      await twice.close();
    }
  });

  it("rejects oversized bodies with 413 before verifying", async () => {
    const small = await serveApp({ ...options, maxBodyBytes: 16 });
    try {
      const body = JSON.stringify({ long: "x".repeat(64) });
      const headers = await sign({ method: "POST", path: "/v1/subscriptions/7/secret", body });
      const res = await send(small.url, "POST", "/v1/subscriptions/7/secret", headers, body);
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe("auth_body_too_large");
    } finally {
      await small.close();
    }
  });

  it("a wallet client signs like a local account; nonce store failures answer 503", async () => {
    const wallet = createWalletClient({ account: bob, transport: viemHttp("http://127.0.0.1:1") });
    const headers = await sign({ method: "GET", path: "/v1/things" }, wallet as unknown as typeof bob);
    expect((await send(served.url, "GET", "/v1/things", headers)).json.signer).toBe(bob.address);
    const broken: NonceStore = { consume: async () => { throw new Error("db down"); }, purgeExpired: async () => 0 };
    const down = await serveApp({ ...options, nonceStore: broken });
    try {
      const again = await sign({ method: "GET", path: "/v1/things" });
      const res = await send(down.url, "GET", "/v1/things", again);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("auth_unavailable");
    } finally {
      await down.close();
    }
  });
});

describe("dbNonceStore on PGlite", () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "concord-auth-"));
    db = await openPglite(dir);
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates relay_nonces on first use; a duplicate (signer, nonce) is a replay, also across store instances", async () => {
    const a = dbNonceStore(db);
    const b = dbNonceStore(db);
    const nonce = randomNonce();
    expect(await a.consume(alice.address.toLowerCase(), nonce, 2_000, 1_000)).toBe(true);
    expect(await a.consume(alice.address.toLowerCase(), nonce, 2_000, 1_000)).toBe(false);
    expect(await b.consume(alice.address.toLowerCase(), nonce.toUpperCase().replace("0X", "0x"), 2_000, 1_000)).toBe(false);
    expect(await b.consume(bob.address.toLowerCase(), nonce, 2_000, 1_000)).toBe(true);
    const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM relay_nonces");
    expect(row!.n).toBe(2);
  });

  it("purges expired nonces (explicitly and piggy-backed on consume)", async () => {
    const store = dbNonceStore(db, { purgeEveryMs: 0 });
    await store.consume("0xaa", randomNonce(), 5_000, 1_000);
    await store.consume("0xaa", randomNonce(), 50_000, 1_000);
    expect(await store.purgeExpired(10_000)).toBe(3); // the two of the previous test (2 000) and the 5 000 one
    await store.consume("0xbb", randomNonce(), 100_000, 60_000); // purges the 50 000 one first
    const rows = await db.query<{ signer: string }>("SELECT signer FROM relay_nonces ORDER BY signer");
    expect(rows.map((r) => r.signer)).toEqual(["0xbb"]);
  });

  it("serves walletAuth end to end with replay detection in the database", async () => {
    let clock = 1_700_000_000_000;
    const served = await serveApp({ chainId: CHAIN_ID, nonceStore: dbNonceStore(db), now: () => clock });
    try {
      const headers = await signRequest(alice, { method: "GET", path: "/v1/things?q=db", chainId: CHAIN_ID, timestamp: Math.floor(clock / 1000) });
      expect((await send(served.url, "GET", "/v1/things?q=db", headers)).json).toEqual({ signer: alice.address, q: "db" });
      clock += 1000;
      expect((await send(served.url, "GET", "/v1/things?q=db", headers)).json.error.code).toBe("auth_replayed");
      const [row] = await db.query<{ expires_at: string | number }>("SELECT expires_at FROM relay_nonces WHERE nonce = $1", [headers["x-concord-nonce"]]);
      expect(Number(row!.expires_at)).toBe((Math.floor(1_700_000_000_000 / 1000) + 300) * 1000 + 60_000);
    } finally {
      await served.close();
    }
  });
});

describe("walletAuth with EIP-1271 smart accounts", () => {
  it("verifies the owner's signature for a smart account through the public client; EOA recovery alone refuses it", async () => {
    const { viem } = await network.create();
    const publicClient = await viem.getPublicClient();
    const [ownerClient, strangerClient] = await viem.getWalletClients();
    const account = await viem.deployContract("MockERC1271Wallet", [ownerClient!.account.address]);
    const chainId = await publicClient.getChainId();
    const block = await publicClient.getBlock();
    const clock = Number(block.timestamp) * 1000;

    const withClient = await serveApp({ chainId, nonceStore: memoryNonceStore(), now: () => clock, publicClient: publicClient as never });
    const eoaOnly = await serveApp({ chainId, nonceStore: memoryNonceStore(), now: () => clock });
    try {
      const input = { method: "GET", path: "/v1/things", chainId, timestamp: Math.floor(clock / 1000) };
      const headers = await signRequestAs(account.address, ownerClient!, input);
      expect(headers["x-concord-address"]).toBe(getAddress(account.address));
      expect((await send(withClient.url, "GET", "/v1/things", headers)).json.signer).toBe(getAddress(account.address));
      expect((await send(eoaOnly.url, "GET", "/v1/things", { ...headers, "x-concord-nonce": randomNonce() })).json.error.code).toBe("auth_invalid_signature");

      const forged = await signRequestAs(account.address, strangerClient!, input);
      expect((await send(withClient.url, "GET", "/v1/things", forged)).json.error.code).toBe("auth_invalid_signature");

      // Plain EOAs still verify through the public client.
      const eoa = await signRequest(strangerClient!, input);
      expect((await send(withClient.url, "GET", "/v1/things", eoa)).json.signer).toBe(getAddress(strangerClient!.account.address));

      // RPC down: EOAs are recovered offline (200); a smart account cannot be asked (503, not 401).
      const deadRpc = createPublicClient({ transport: viemHttp("http://127.0.0.1:1", { retryCount: 0, timeout: 2_000 }) });
      const noChain = await serveApp({ chainId, nonceStore: memoryNonceStore(), now: () => clock, publicClient: deadRpc as never });
      try {
        expect((await send(noChain.url, "GET", "/v1/things", await signRequest(strangerClient!, input))).status).toBe(200);
        const smart = await send(noChain.url, "GET", "/v1/things", await signRequestAs(account.address, ownerClient!, input));
        expect(smart.status).toBe(503);
        expect(smart.json.error.code).toBe("auth_unavailable");
      } finally {
        await noChain.close();
      }
    } finally {
      await withClient.close();
      await eoaOnly.close();
    }
  });
});

describe("sdk/signedRequest", () => {
  it("domain with and without the registry; body hash of nothing is keccak256 of zero bytes", () => {
    expect(relayRequestDomain(1)).toEqual({ name: "Concord Relay", version: "1", chainId: 1 });
    expect(relayRequestDomain(1, REGISTRY.toLowerCase() as Address).verifyingContract).toBe(REGISTRY);
    expect(() => relayRequestDomain(0)).toThrow(/chainId/);
    expect(hashRequestBody(undefined)).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(hashRequestBody("")).toBe(hashRequestBody(new Uint8Array(0)));
    expect(hashRequestBody("é")).toBe(hashRequestBody(new Uint8Array([0xc3, 0xa9])));
  });

  it("refuses bad inputs before signing", async () => {
    await expect(signRequest(alice, { method: "GET", path: "v1/things", chainId: 1 })).rejects.toMatchObject({ code: "signer_invalid" });
    await expect(signRequest(alice, { method: "G E T", path: "/", chainId: 1 })).rejects.toMatchObject({ code: "signer_invalid" });
    await expect(signRequest(alice, { method: "GET", path: "/", chainId: 1, nonce: "0x12" as Hex })).rejects.toMatchObject({ code: "signer_invalid" });
    const jsonRpc = { address: alice.address, type: "json-rpc" } as const;
    await expect(signRequest(jsonRpc, { method: "GET", path: "/", chainId: 1 })).rejects.toMatchObject({ code: "signer_invalid" });
    const headers = await signRequest(alice, { method: "get", path: "/", chainId: 1 });
    expect(headers["x-concord-nonce"]).toMatch(/^0x[0-9a-f]{64}$/);
    expect(Math.abs(Number(headers["x-concord-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
  });
});
