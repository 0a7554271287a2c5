/**
 * Unit tests of the feed's pure modules (no chain, no Ponder): the event body builder, kinds and types
 * (indexer/src/lib/eventBody.ts) and the parameters of /v1/events and /v1/subscriptions
 * (indexer/src/api/lib/feedParams.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../indexer/src/api/lib/errors.ts";
import {
  CURSOR_LENGTH,
  EVENTS_DEFAULT_LIMIT,
  EVENTS_MAX_LIMIT,
  EVENTS_MAX_WAIT_MS,
  parseEventsQuery,
  parseSubscriptionId,
  parseSubscriptionsQuery,
} from "../../indexer/src/api/lib/feedParams.ts";
import {
  type ConcordEventRow,
  EVENT_FAMILIES,
  EVENT_TYPES,
  KIND_BITS,
  contractOfType,
  familyOf,
  jsonArgs,
  kindNames,
  kindOfType,
  memberList,
  parseTypesFilter,
  toEventBody,
} from "../../indexer/src/lib/eventBody.ts";

const A = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const B = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CURSOR = "1795698106000000000003133700000000000000120000000000000000500000000000000002";

function badRequest(fn: () => unknown): { param: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_parameter");
    return (e.details as { issues: { param: string; message: string }[] }).issues;
  }
  throw new Error("expected a 400");
}

describe("toEventBody", () => {
  const row: ConcordEventRow = {
    id: CURSOR.slice(0, CURSOR_LENGTH),
    type: "task.claimed",
    chainId: 31337,
    blockNumber: 12n,
    blockHash: "0xaa",
    blockTimestamp: 1795698106n,
    txHash: "0xbb",
    txIndex: 0,
    logIndex: 3,
    contract: "TaskBoard",
    address: "0xcc",
    swarmId: 2n ** 200n,
    members: [A.toLowerCase()],
    fencingToken: { kind: "epoch", value: "7" },
    data: { taskId: "1", epoch: "7" },
  };

  it("turns bigints into decimal strings and keeps every field, in the documented order", () => {
    const body = toEventBody(row);
    expect(Object.keys(body)).toEqual([
      "id",
      "type",
      "chainId",
      "blockNumber",
      "blockHash",
      "blockTimestamp",
      "txHash",
      "txIndex",
      "logIndex",
      "contract",
      "address",
      "swarmId",
      "members",
      "fencingToken",
      "data",
    ]);
    expect(body).toEqual({
      ...row,
      blockNumber: "12",
      blockTimestamp: "1795698106",
      swarmId: (2n ** 200n).toString(),
    });
    // JSON round trip is lossless (no bigint left).
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it("keeps a null swarm and a null fencing token", () => {
    const body = toEventBody({ ...row, swarmId: null, fencingToken: null });
    expect(body.swarmId).toBeNull();
    expect(body.fencingToken).toBeNull();
  });
});

describe("kinds and types", () => {
  it("KIND_BITS mirror the KIND_* constants of ISubscriptionRegistry.sol", () => {
    const source = readFileSync(path.join(import.meta.dirname, "../../contracts/interfaces/ISubscriptionRegistry.sol"), "utf8");
    const constants = Object.fromEntries(
      [...source.matchAll(/uint16 constant KIND_([A-Z_]+) = 1 << (\d+);/g)].map((m) => [m[1]!.toLowerCase(), 1 << Number(m[2])]),
    );
    expect(constants).toEqual(KIND_BITS);
  });

  it("kindNames lists the set bits in order", () => {
    expect(kindNames(0)).toEqual([]);
    expect(kindNames(KIND_BITS.task | KIND_BITS.lock | KIND_BITS.stake)).toEqual(["task", "lock", "stake"]);
    expect(kindNames(KIND_BITS.raw)).toEqual(["raw"]);
    expect(kindNames(0x1ff)).toEqual(["task", "state", "message", "lock", "leader", "proposal", "schedule", "swarm", "stake"]);
  });

  it("every type has a known family, contract and (except subscription.* and attestation.*) a kind", () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    for (const type of EVENT_TYPES) {
      expect(type).toMatch(/^[a-z]+\.[a-z_]+$/);
      const family = familyOf(type)!;
      expect(family, type).toBeDefined();
      expect(contractOfType(type)).toBe(EVENT_FAMILIES[family].contract);
      expect(kindOfType(type)).toBe(family === "subscription" || family === "attestation" ? null : EVENT_FAMILIES[family].kind);
      if (family !== "subscription" && family !== "attestation") expect(kindOfType(type), type).not.toBeNull();
    }
    expect(kindOfType("member.joined")).toBe("swarm");
    // schedule.* is selected by SubscriptionRegistry's KIND_SCHEDULE bit (the relay's matchEvent reads kindOfType).
    expect(kindOfType("schedule.executed")).toBe("schedule");
    expect(KIND_BITS.schedule).toBe(64);
    expect(contractOfType("schedule.registered")).toBe("ScheduleRegistry");
    expect(contractOfType("attestation.posted")).toBe("Attestations");
    expect(kindOfType("swarm.created")).toBe("swarm");
    expect(contractOfType("member.joined")).toBe("SwarmRegistry");
    expect(kindOfType("nope.x")).toBeNull();
    expect(() => contractOfType("nope.x")).toThrow(/no known family/);
  });
});

describe("every handler feeds the unified feed", () => {
  it("each indexer/src/<Contract>.ts with ponder.on handlers calls recordEvent, with types from EVENT_TYPES", async () => {
    const { readdirSync } = await import("node:fs");
    const dir = path.join(import.meta.dirname, "../../indexer/src");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const source = readFileSync(path.join(dir, file), "utf8");
      const handlers = (source.match(/ponder\.on\(/g) ?? []).length;
      if (handlers === 0) continue;
      expect(source, `${file} has ${handlers} handlers but never calls recordEvent`).toMatch(/recordEvent\(context, event/);
      for (const [, type] of source.matchAll(/type: "([a-z_]+\.[a-z_]+)"/g)) {
        expect(EVENT_TYPES as readonly string[], `${file}: ${type}`).toContain(type);
      }
    }
  });
});

describe("parseTypesFilter", () => {
  it("expands family wildcards and exact types, sorted and deduplicated", () => {
    expect(parseTypesFilter("lock.*")).toEqual({ types: ["lock.acquired", "lock.released", "lock.renewed"] });
    expect(parseTypesFilter("task.claimed,lock.released,task.claimed")).toEqual({ types: ["lock.released", "task.claimed"] });
    const mixed = parseTypesFilter("member.*, task.completed");
    expect(mixed).toEqual({ types: ["member.joined", "member.left", "member.metadata_updated", "member.removed", "task.completed"] });
    expect(parseTypesFilter("schedule.*")).toEqual({
      types: ["schedule.cancelled", "schedule.executed", "schedule.funded", "schedule.paused", "schedule.registered", "schedule.resumed", "schedule.updated"],
    });
    expect(parseTypesFilter("attestation.*")).toEqual({ types: ["attestation.attestor_updated", "attestation.posted"] });
  });

  it("rejects unknown types, unknown families and empty entries", () => {
    for (const bad of ["", ",", "task.claimed,", "task", "task.", "tasks.*", "task.claim", "*", "TASK.*", "task.**"]) {
      expect(parseTypesFilter(bad), JSON.stringify(bad)).toHaveProperty("error");
    }
    const error = parseTypesFilter("task.claimed,foo.bar");
    expect("error" in error && error.error).toMatch(/'foo\.bar'/);
  });

  it("property: a wildcard selects exactly the family's types", () => {
    fc.assert(
      fc.property(fc.subarray(Object.keys(EVENT_FAMILIES), { minLength: 1 }), (families) => {
        const parsed = parseTypesFilter(families.map((f) => `${f}.*`).join(","));
        expect(parsed).toEqual({ types: EVENT_TYPES.filter((t) => families.includes(t.split(".")[0]!)).sort() });
      }),
      { numRuns: 40 },
    );
  });
});

describe("handler helpers", () => {
  it("jsonArgs: bigints to strings, addresses lowercase, recursion into arrays and structs", () => {
    expect(
      jsonArgs({ id: 1n, who: A, list: [B, 2n], struct: { x: 3n, y: "ipfs://Q", ok: true }, n: 5, bytes: "0xABCD" }),
    ).toEqual({
      id: "1",
      who: A.toLowerCase(),
      list: [B.toLowerCase(), "2"],
      struct: { x: "3", y: "ipfs://Q", ok: true },
      n: 5,
      bytes: "0xABCD",
    });
  });

  it("memberList: lowercase, deduplicated, no zero address or nulls, order kept", () => {
    expect(memberList([B, null, A, B.toLowerCase(), undefined, "0x0000000000000000000000000000000000000000"])).toEqual([
      B.toLowerCase(),
      A.toLowerCase(),
    ]);
    expect(memberList([])).toEqual([]);
  });
});

describe("parseEventsQuery", () => {
  it("defaults and every filter", () => {
    expect(parseEventsQuery({})).toEqual({
      after: undefined,
      limit: EVENTS_DEFAULT_LIMIT,
      swarmId: undefined,
      member: undefined,
      types: undefined,
      waitMs: 0,
    });
    expect(parseEventsQuery({ after: "" }).after).toBeUndefined();
    const q = parseEventsQuery({ after: CURSOR.slice(0, 75), limit: "1000", swarm: "2", member: A, types: "lock.*,task.claimed", x: "ignored" });
    expect(q).toEqual({
      after: CURSOR.slice(0, 75),
      limit: EVENTS_MAX_LIMIT,
      swarmId: 2n,
      member: A.toLowerCase(),
      types: ["lock.acquired", "lock.released", "lock.renewed", "task.claimed"],
      waitMs: 0,
    });
    expect(parseEventsQuery({ wait: "0" }).waitMs).toBe(0);
    expect(parseEventsQuery({ wait: "250" }).waitMs).toBe(250);
    expect(parseEventsQuery({ wait: String(EVENTS_MAX_WAIT_MS) }).waitMs).toBe(EVENTS_MAX_WAIT_MS);
  });

  it("400 on a malformed cursor, limit, swarm, member or types, one issue per parameter", () => {
    expect(badRequest(() => parseEventsQuery({ after: "123" }))[0]!.param).toBe("after");
    expect(badRequest(() => parseEventsQuery({ after: "x".repeat(75) }))[0]!.param).toBe("after");
    expect(badRequest(() => parseEventsQuery({ after: CURSOR.slice(0, 75) + "0" }))[0]!.param).toBe("after");
    expect(badRequest(() => parseEventsQuery({ limit: "0" }))[0]!.param).toBe("limit");
    expect(badRequest(() => parseEventsQuery({ limit: "1001" }))[0]!.param).toBe("limit");
    expect(badRequest(() => parseEventsQuery({ swarm: "01" }))[0]!.param).toBe("swarm");
    expect(badRequest(() => parseEventsQuery({ member: "0x12" }))[0]!.param).toBe("member");
    for (const wait of ["-1", "1.5", "abc", "", String(EVENTS_MAX_WAIT_MS + 1)]) expect(badRequest(() => parseEventsQuery({ wait }))[0]!.param).toBe("wait");
    const types = badRequest(() => parseEventsQuery({ types: "task.nope" }));
    expect(types).toEqual([{ param: "types", message: expect.stringContaining("'task.nope'") }]);
    expect(badRequest(() => parseEventsQuery({ swarm: "-1", types: "x" })).map((i) => i.param).sort()).toEqual(["swarm", "types"]);
  });
});

describe("parseSubscriptionsQuery / parseSubscriptionId", () => {
  it("parses active, after, limit, owner, swarm", () => {
    expect(parseSubscriptionsQuery({})).toEqual({ active: undefined, after: undefined, limit: 100, owner: undefined, swarmId: undefined });
    expect(parseSubscriptionsQuery({ active: "true", after: "5", limit: "500", owner: B, swarm: "1" })).toEqual({
      active: true,
      after: 5n,
      limit: 500,
      owner: B.toLowerCase(),
      swarmId: 1n,
    });
    expect(parseSubscriptionsQuery({ active: "false", after: "" })).toMatchObject({ active: false, after: undefined });
    expect(parseSubscriptionId("42")).toBe(42n);
  });

  it("400 on bad values", () => {
    expect(badRequest(() => parseSubscriptionsQuery({ active: "yes" }))[0]!.param).toBe("active");
    expect(badRequest(() => parseSubscriptionsQuery({ after: "x" }))[0]!.param).toBe("after");
    expect(badRequest(() => parseSubscriptionsQuery({ limit: "501" }))[0]!.param).toBe("limit");
    expect(badRequest(() => parseSubscriptionId("0x1"))[0]!.param).toBe("id");
  });
});
