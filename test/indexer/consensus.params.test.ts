/**
 * Unit tests of the consensus routes' pure module (indexer/src/api/lib/consensusParams.ts): lock ids,
 * proposal ids and list queries, the clock-derived proposal / lock / lease states, and Ponder checkpoint
 * decoding. No chain, no Ponder.
 */
import fc from "fast-check";
import { stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../indexer/src/api/lib/errors.ts";
import {
  PROPOSALS_DEFAULT_LIMIT,
  PROPOSALS_MAX_LIMIT,
  PROPOSAL_FILTERS,
  type ProposalClock,
  decodeCheckpoint,
  leaseLive,
  lockId,
  lockState,
  parseLockId,
  parseLockName,
  parseProposalId,
  parseProposalsQuery,
  proposalState,
} from "../../indexer/src/api/lib/consensusParams.ts";
import { UINT256_MAX } from "../../indexer/src/api/lib/params.ts";

function badRequest(fn: () => unknown): { param: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe("invalid_parameter");
    return (apiError.details as { issues: { param: string; message: string }[] }).issues;
  }
  throw new Error("expected a 400 ApiError");
}

const b32 = (s: string) => stringToHex(s, { size: 32 });
const HEX = `0x${"ab".repeat(32)}` as const;

describe("lock ids <swarmId>:<lockName>", () => {
  it("parses string and hex names, splitting at the first colon", () => {
    expect(parseLockId("1:deploy")).toEqual({ swarmId: 1n, lockName: b32("deploy") });
    expect(parseLockId(`42:${HEX.toUpperCase().replace("0X", "0x")}`)).toEqual({ swarmId: 42n, lockName: HEX });
    expect(parseLockId("7:jobs:nightly")).toEqual({ swarmId: 7n, lockName: b32("jobs:nightly") });
    expect(parseLockId(`${UINT256_MAX}:x`).swarmId).toBe(UINT256_MAX);
    expect(parseLockId("1:é✓").lockName).toBe(b32("é✓"));
  });

  it("round-trips through lockId", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: UINT256_MAX }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (swarmId, bytes) => {
        const name = `0x${Buffer.from(bytes).toString("hex")}` as const;
        expect(parseLockId(lockId(swarmId, name))).toEqual({ swarmId, lockName: name });
      }),
      { numRuns: 50 },
    );
  });

  it("rejects a missing colon, a non-canonical swarm id and a bad name, naming the parameter", () => {
    expect(badRequest(() => parseLockId("deploy"))).toEqual([{ param: "id", message: expect.stringContaining("<swarmId>:<lockName>") }]);
    expect(badRequest(() => parseLockId(undefined))[0]!.param).toBe("id");
    expect(badRequest(() => parseLockId("01:deploy")).map((i) => i.param)).toEqual(["swarmId"]);
    expect(badRequest(() => parseLockId(":deploy")).map((i) => i.param)).toEqual(["swarmId"]);
    expect(badRequest(() => parseLockId("0x1:deploy")).map((i) => i.param)).toEqual(["swarmId"]);
    expect(badRequest(() => parseLockId("1:")).map((i) => i.param)).toEqual(["lockName"]);
    expect(badRequest(() => parseLockId("1:0x1234")).map((i) => i.param)).toEqual(["lockName"]);
    expect(badRequest(() => parseLockId(`1:${"x".repeat(33)}`)).map((i) => i.param)).toEqual(["lockName"]);
    expect(badRequest(() => parseLockId("1:a\u0000b")).map((i) => i.param)).toEqual(["lockName"]);
    expect(badRequest(() => parseLockId("-1:0x12")).map((i) => i.param)).toEqual(["swarmId", "lockName"]);
  });

  it("parses a lock name like a state key", () => {
    expect(parseLockName("deploy")).toBe(b32("deploy"));
    expect(parseLockName(HEX)).toBe(HEX);
    expect(badRequest(() => parseLockName("0xzz"))[0]!.param).toBe("name");
  });
});

describe("proposal ids and list queries", () => {
  it("parses canonical proposal ids only", () => {
    expect(parseProposalId("1")).toBe(1n);
    expect(parseProposalId(UINT256_MAX.toString())).toBe(UINT256_MAX);
    for (const bad of ["", "01", "-1", "1.5", "0x1", (UINT256_MAX + 1n).toString(), undefined]) {
      expect(badRequest(() => parseProposalId(bad))[0]!.param, String(bad)).toBe("id");
    }
  });

  it("defaults, deduplicates statuses and bounds limit", () => {
    expect(parseProposalsQuery({})).toEqual({ statuses: undefined, limit: PROPOSALS_DEFAULT_LIMIT, cursor: undefined });
    expect(parseProposalsQuery({ status: "active,passed,active", limit: "3", cursor: "10", other: "x" })).toEqual({
      statuses: ["active", "passed"],
      limit: 3,
      cursor: 10n,
    });
    expect(parseProposalsQuery({ limit: String(PROPOSALS_MAX_LIMIT) }).limit).toBe(PROPOSALS_MAX_LIMIT);
    for (const s of PROPOSAL_FILTERS) expect(parseProposalsQuery({ status: s }).statuses).toEqual([s]);
  });

  it("rejects unknown statuses, empty items, bad limits and cursors", () => {
    expect(badRequest(() => parseProposalsQuery({ status: "bogus" }))[0]!.param).toMatch(/^status/);
    expect(badRequest(() => parseProposalsQuery({ status: "active," }))[0]!.param).toMatch(/^status/);
    expect(badRequest(() => parseProposalsQuery({ status: "" }))[0]!.param).toMatch(/^status/);
    expect(badRequest(() => parseProposalsQuery({ limit: "0" }))[0]!.param).toBe("limit");
    expect(badRequest(() => parseProposalsQuery({ limit: String(PROPOSALS_MAX_LIMIT + 1) }))[0]!.param).toBe("limit");
    expect(badRequest(() => parseProposalsQuery({ cursor: "0x1" }))[0]!.param).toBe("cursor");
    expect(badRequest(() => parseProposalsQuery({ limit: "x", cursor: "-1" })).map((i) => i.param)).toEqual(["limit", "cursor"]);
  });
});

describe("clock-derived states", () => {
  const open: ProposalClock = { status: "open", votingMode: "open", voteStart: 100n, voteEnd: 200n, revealEnd: 0n };
  const commitReveal: ProposalClock = { ...open, votingMode: "commit_reveal", revealEnd: 300n };

  it("derives IProposals.state() for unfinished proposals (windows inclusive of their end)", () => {
    expect([99n, 100n, 200n, 201n].map((t) => proposalState(open, t))).toEqual(["pending", "active", "active", "ended"]);
    expect([99n, 150n, 200n, 201n, 300n, 301n].map((t) => proposalState(commitReveal, t))).toEqual([
      "pending",
      "active",
      "active",
      "revealing",
      "revealing",
      "ended",
    ]);
  });

  it("keeps the recorded status of finished proposals whatever the clock", () => {
    for (const status of ["cancelled", "passed", "rejected", "quorum_not_reached", "executed"]) {
      for (const t of [0n, 150n, 1_000n]) expect(proposalState({ ...open, status }, t)).toBe(status);
    }
  });

  it("lock state: held while now < expiresAt, then expired; released stays released", () => {
    expect(lockState({ status: "held", expiresAt: 10n }, 9n)).toBe("held");
    expect(lockState({ status: "held", expiresAt: 10n }, 10n)).toBe("expired");
    expect(lockState({ status: "released", expiresAt: null }, 0n)).toBe("released");
  });

  it("lease live: a leader whose lease ends after now", () => {
    expect(leaseLive("0xab", 10n, 9n)).toBe(true);
    expect(leaseLive("0xab", 10n, 10n)).toBe(false);
    expect(leaseLive(null, null, 0n)).toBe(false);
  });
});

describe("Ponder checkpoints", () => {
  it("decodes block timestamp, chain id and block number", () => {
    const checkpoint = "1795695743" + "31337".padStart(16, "0") + "42".padStart(16, "0") + "0".repeat(33);
    expect(decodeCheckpoint(checkpoint)).toEqual({ blockTimestamp: 1795695743n, chainId: 31337n, blockNumber: 42n });
    expect(() => decodeCheckpoint("12ab")).toThrow(/checkpoint/);
  });
});
