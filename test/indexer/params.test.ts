/**
 * Unit tests of the REST API's pure modules: parameter parsing/validation, JSON errors, JSON encoding and
 * page building (no chain, no Ponder).
 */
import fc from "fast-check";
import { stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { ApiError, errorBody, invalidParameter, notFound } from "../../indexer/src/api/lib/errors.ts";
import { pageOf, toJson } from "../../indexer/src/api/lib/json.ts";
import {
  MESSAGES_DEFAULT_LIMIT,
  MESSAGES_MAX_LIMIT,
  TASKS_DEFAULT_LIMIT,
  TASKS_MAX_LIMIT,
  UINT256_MAX,
  parseMembersQuery,
  parseMessagesQuery,
  parseStateKey,
  parseSwarmId,
  parseTaskId,
  parseTasksQuery,
  stringToBytes32,
} from "../../indexer/src/api/lib/params.ts";

/** Runs `fn`, expects an ApiError 400 and returns its body. */
function badRequest(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe("invalid_parameter");
    return apiError.toBody() as { error: { code: string; message: string; details: { issues: { param: string; message: string }[] } } };
  }
  throw new Error("expected a 400 ApiError");
}

describe("ids (swarm / task)", () => {
  it("parses canonical decimals up to 2^256 - 1", () => {
    expect(parseSwarmId("1")).toBe(1n);
    expect(parseSwarmId("0")).toBe(0n);
    expect(parseTaskId("123456789012345678901234567890")).toBe(123456789012345678901234567890n);
    expect(parseSwarmId(UINT256_MAX.toString())).toBe(UINT256_MAX);
  });

  it.each(["", "-1", "+1", "01", "0x1", "1.5", "1e3", " 1", "abc", (UINT256_MAX + 1n).toString(), "9".repeat(100)])(
    "rejects %j with a 400 naming the parameter",
    (raw) => {
      const body = badRequest(() => parseSwarmId(raw));
      expect(body.error.details.issues[0]?.param).toBe("id");
      expect(body.error.message).toMatch(/'id'/);
    },
  );

  it("reports a missing id as required", () => {
    const body = badRequest(() => parseTaskId(undefined));
    expect(body.error.details.issues).toEqual([{ param: "id", message: "is required" }]);
  });
});

describe("state keys", () => {
  it("accepts a 0x bytes32 in any case and lowercases it", () => {
    const key = `0x${"AB".repeat(32)}`;
    expect(parseStateKey(key)).toBe(key.toLowerCase());
  });

  it("right-pads a short UTF-8 string to bytes32 like viem's stringToHex(size 32)", () => {
    for (const s of ["config", "a", "leader/term", "héllo wörld ✓", "x".repeat(32)]) {
      expect(parseStateKey(s)).toBe(stringToHex(s, { size: 32 }));
      expect(stringToBytes32(s)).toBe(stringToHex(s, { size: 32 }));
    }
  });

  it("rejects empty, too long (bytes, not characters), NUL and partial hex keys", () => {
    for (const raw of ["", "x".repeat(33), "é".repeat(17), "a\u0000b", "0x1234", `0x${"a".repeat(63)}`, `0x${"g".repeat(64)}`, `0X${"a".repeat(10)}`]) {
      const body = badRequest(() => parseStateKey(raw));
      expect(body.error.details.issues[0]?.param).toBe("key");
    }
  });

  it("property: any 1..32-byte string key (no NUL, no 0x prefix) encodes like viem, and round-trips", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 32 }), (s) => {
        const size = new TextEncoder().encode(s).length;
        fc.pre(size >= 1 && size <= 32 && !s.includes("\u0000") && !/^0x/i.test(s));
        const key = parseStateKey(s);
        expect(key).toBe(stringToHex(s, { size: 32 }));
        // The raw hex form of the same key names the same bytes32.
        expect(parseStateKey(key.toUpperCase().replace("0X", "0x"))).toBe(key);
      }),
      { numRuns: 200 },
    );
  });

  it("property: any id string is either a canonical uint256 (parsed exactly) or a 400", () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: UINT256_MAX }).map(String), fc.string({ maxLength: 80 })), (raw) => {
        let parsed: bigint | undefined;
        try {
          parsed = parseSwarmId(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).status).toBe(400);
        }
        const canonical = /^(0|[1-9][0-9]*)$/.test(raw) && BigInt(raw) <= UINT256_MAX;
        expect(parsed !== undefined).toBe(canonical);
        if (parsed !== undefined) expect(parsed.toString()).toBe(raw);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts exactly 32 bytes of multi-byte UTF-8", () => {
    expect(parseStateKey("é".repeat(16))).toBe(stringToHex("é".repeat(16), { size: 32 }));
  });
});

describe("tasks query", () => {
  it("defaults", () => {
    expect(parseTasksQuery({})).toEqual({
      statuses: undefined,
      typeTag: undefined,
      claimant: undefined,
      poster: undefined,
      limit: TASKS_DEFAULT_LIMIT,
      cursor: undefined,
    });
  });

  it("parses every filter", () => {
    const claimant = `0x${"Aa".repeat(20)}`;
    const q = parseTasksQuery({ status: "open,claimed,open", type: "review", claimant, poster: claimant, limit: "7", cursor: "41" });
    expect(q.statuses).toEqual(["open", "claimed"]);
    expect(q.typeTag).toBe(stringToHex("review", { size: 32 }));
    expect(q.claimant).toBe(claimant.toLowerCase());
    expect(q.poster).toBe(claimant.toLowerCase());
    expect(q.limit).toBe(7);
    expect(q.cursor).toBe(41n);
    expect(parseTasksQuery({ limit: String(TASKS_MAX_LIMIT) }).limit).toBe(TASKS_MAX_LIMIT);
    expect(parseTasksQuery({ status: "expired" }).statuses).toEqual(["expired"]);
  });

  it("rejects bad values, listing every bad parameter", () => {
    const body = badRequest(() =>
      parseTasksQuery({ status: "done", type: "0x12", claimant: "0x12", limit: "0", cursor: "-3" }),
    );
    expect(body.error.details.issues.map((i) => i.param).sort()).toEqual(
      ["claimant", "cursor", "limit", "status.0", "type"].sort(),
    );
    expect(body.error.message).toMatch(/Invalid parameters/);
    for (const limit of ["101", "abc", "1.5", "", "-1"]) badRequest(() => parseTasksQuery({ limit }));
    for (const status of ["", "open,", ",", "OPEN"]) badRequest(() => parseTasksQuery({ status }));
  });
});

describe("messages query", () => {
  it("defaults after to 0 and limit to the default", () => {
    expect(parseMessagesQuery({})).toEqual({ after: 0n, limit: MESSAGES_DEFAULT_LIMIT });
    expect(parseMessagesQuery({ after: "17", limit: String(MESSAGES_MAX_LIMIT) })).toEqual({
      after: 17n,
      limit: MESSAGES_MAX_LIMIT,
    });
  });

  it("rejects a message id beyond uint64 and bad limits", () => {
    expect(badRequest(() => parseMessagesQuery({ after: (2n ** 64n).toString() })).error.details.issues[0]?.param).toBe("after");
    expect(parseMessagesQuery({ after: (2n ** 64n - 1n).toString() }).after).toBe(2n ** 64n - 1n);
    badRequest(() => parseMessagesQuery({ limit: String(MESSAGES_MAX_LIMIT + 1) }));
    badRequest(() => parseMessagesQuery({ after: "x" }));
  });
});

describe("members query", () => {
  it("defaults to active members", () => {
    expect(parseMembersQuery({})).toEqual({ status: "active", limit: 100, cursor: undefined });
  });

  it("parses status and an address cursor, rejects others", () => {
    const cursor = `0x${"0F".repeat(20)}`;
    expect(parseMembersQuery({ status: "all", cursor })).toEqual({ status: "all", limit: 100, cursor: cursor.toLowerCase() });
    expect(badRequest(() => parseMembersQuery({ status: "gone" })).error.details.issues[0]?.param).toBe("status");
    expect(badRequest(() => parseMembersQuery({ cursor: "0x1234" })).error.details.issues[0]?.param).toBe("cursor");
  });
});

describe("errors and JSON", () => {
  it("builds the error envelope", () => {
    expect(errorBody("x", "y")).toEqual({ error: { code: "x", message: "y" } });
    expect(errorBody("x", "y", { a: 1 })).toEqual({ error: { code: "x", message: "y", details: { a: 1 } } });
    const nf = notFound("task_not_found", "Task 9 does not exist", { taskId: "9" });
    expect(nf.status).toBe(404);
    expect(nf.toBody()).toEqual({ error: { code: "task_not_found", message: "Task 9 does not exist", details: { taskId: "9" } } });
    expect(invalidParameter([{ param: "a", message: "bad" }]).message).toBe("Invalid parameter 'a': bad");
  });

  it("turns bigints into decimal strings deeply", () => {
    expect(toJson({ a: 1n, b: [2n, { c: UINT256_MAX }], d: "x", e: null, f: 3 })).toEqual({
      a: "1",
      b: ["2", { c: UINT256_MAX.toString() }],
      d: "x",
      e: null,
      f: 3,
    });
  });

  it("pages: cursor only when a row beyond the limit was fetched", () => {
    const rows = [1, 2, 3].map((id) => ({ id: BigInt(id) }));
    expect(pageOf(rows, 3, (r) => r.id.toString())).toEqual({ items: rows, nextCursor: null });
    expect(pageOf(rows, 2, (r) => r.id.toString())).toEqual({ items: rows.slice(0, 2), nextCursor: "2" });
    expect(pageOf([], 2, (r: { id: bigint }) => r.id.toString())).toEqual({ items: [], nextCursor: null });
  });
});
