/** The indexer client against a fake fetch: pagination, 404s, GraphQL errors, waiting for a block. */
import { describe, expect, it } from "vitest";
import { createIndexerClient, IndexerError } from "../../sdk/index.ts";

type Route = (url: URL, init?: RequestInit) => { status?: number; body: unknown };

function fakeFetch(route: Route, calls: string[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push(url.pathname + url.search);
    const { status = 200, body } = route(url, init);
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
}

describe("createIndexerClient", () => {
  it("follows cursors across pages (tasks: cursor=, messages: after=)", async () => {
    const calls: string[] = [];
    const client = createIndexerClient("http://indexer.test/", {
      fetch: fakeFetch((url) => {
        if (url.pathname === "/v1/swarms/7/tasks") {
          const cursor = url.searchParams.get("cursor");
          return cursor === null ? { body: { items: [{ id: "1" }, { id: "2" }], nextCursor: "2" } } : { body: { items: [{ id: "3" }], nextCursor: null } };
        }
        if (url.pathname === "/v1/swarms/7/messages") {
          const after = url.searchParams.get("after");
          return after === null ? { body: { items: [{ messageId: "1" }], nextCursor: "1" } } : { body: { items: [{ messageId: "2" }], nextCursor: null } };
        }
        return { status: 404, body: { error: { code: "route_not_found" } } };
      }, calls),
    });
    expect((await client.listTasks(7n, { status: ["open", "claimed"] })).map((t) => t.id)).toEqual(["1", "2", "3"]);
    expect((await client.listMessages(7)).map((m) => m.messageId)).toEqual(["1", "2"]);
    expect(calls).toEqual([
      "/v1/swarms/7/tasks?status=open,claimed&limit=100",
      "/v1/swarms/7/tasks?status=open,claimed&limit=100&cursor=2",
      "/v1/swarms/7/messages?limit=500",
      "/v1/swarms/7/messages?limit=500&after=1",
    ]);
  });

  it("answers undefined for a 404 on single resources and throws IndexerError on other failures", async () => {
    const client = createIndexerClient("http://indexer.test", {
      fetch: fakeFetch((url) =>
        url.pathname.startsWith("/v1/swarms/1/state/") ? { status: 404, body: { error: { code: "state_key_not_found" } } } : { status: 500, body: "boom" },
      ),
    });
    expect(await client.getState(1n, `0x${"00".repeat(32)}`)).toBeUndefined();
    await expect(client.listMembers(1n)).rejects.toBeInstanceOf(IndexerError);
    await expect(client.listMembers(1n)).rejects.toMatchObject({ code: "indexer_http", details: { status: 500 } });
  });

  it("posts GraphQL and turns GraphQL errors into IndexerError", async () => {
    const client = createIndexerClient("http://indexer.test", {
      fetch: fakeFetch((_url, init) => {
        const { query } = JSON.parse(String(init?.body)) as { query: string };
        return query.includes("bad") ? { body: { errors: [{ message: "Cannot query field bad" }] } } : { body: { data: { ok: true } } };
      }),
    });
    expect(await client.graphql<{ ok: boolean }>("{ ok }")).toEqual({ ok: true });
    await expect(client.graphql("{ bad }")).rejects.toMatchObject({ code: "indexer_graphql", message: /Cannot query field bad/ });
  });

  it("waitForBlock polls /status until the chain's block is indexed, or times out", async () => {
    let block = 5;
    const client = createIndexerClient("http://indexer.test", {
      fetch: fakeFetch(() => ({ body: { localhost: { id: 31337, block: { number: block++, timestamp: 0 } } } })),
    });
    expect(await client.waitForBlock(8n, { chainId: 31337, intervalMs: 1 })).toBe(8);
    await expect(client.waitForBlock(1_000, { chainId: 31337, intervalMs: 1, timeoutMs: 30 })).rejects.toMatchObject({ code: "indexer_timeout" });
    await expect(client.waitForBlock(1, { chainId: 1, intervalMs: 1, timeoutMs: 10 })).rejects.toMatchObject({ code: "indexer_timeout" });
  });

  it("reports an unreachable indexer as IndexerError", async () => {
    const client = createIndexerClient("http://indexer.test", {
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    });
    await expect(client.status()).rejects.toMatchObject({ code: "indexer_http", message: /Cannot reach the indexer/ });
  });
});
