/**
 * Unit tests of the time routes' parameter parsing (indexer/src/api/lib/timeParams.ts): /v1/schedules,
 * /v1/attestations, /v1/attestors (no chain, no Ponder).
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../indexer/src/api/lib/errors.ts";
import {
  ATTESTATIONS_DEFAULT_LIMIT,
  SCHEDULES_DEFAULT_LIMIT,
  SCHEDULES_MAX_LIMIT,
  parseAttestationSeq,
  parseAttestationsQuery,
  parseAttestorsQuery,
  parseScheduleId,
  parseSchedulesQuery,
} from "../../indexer/src/api/lib/timeParams.ts";

/** Runs `fn`, expects a 400 invalid_parameter and returns the params at fault. */
function badParams(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_parameter");
    return (e.details as { issues: { param: string }[] }).issues.map((i) => i.param);
  }
  throw new Error("expected a 400");
}

describe("time route parameters", () => {
  it("/v1/schedules query: defaults, filters, empty after", () => {
    expect(parseSchedulesQuery({})).toEqual({
      active: undefined,
      after: undefined,
      limit: SCHEDULES_DEFAULT_LIMIT,
      owner: undefined,
      swarmId: undefined,
      kind: undefined,
    });
    expect(
      parseSchedulesQuery({ active: "false", after: "7", limit: "500", owner: "0xABCDEF0000000000000000000000000000000001", swarm: "2", kind: "interval" }),
    ).toEqual({ active: false, after: 7n, limit: 500, owner: "0xabcdef0000000000000000000000000000000001", swarmId: 2n, kind: "interval" });
    expect(parseSchedulesQuery({ active: "true", after: "", kind: "cron" })).toMatchObject({ active: true, after: undefined, kind: "cron" });
  });

  it("/v1/schedules query: every bad parameter is named", () => {
    expect(badParams(() => parseSchedulesQuery({ kind: "daily" }))).toEqual(["kind"]);
    expect(badParams(() => parseSchedulesQuery({ active: "1" }))).toEqual(["active"]);
    expect(badParams(() => parseSchedulesQuery({ limit: String(SCHEDULES_MAX_LIMIT + 1) }))).toEqual(["limit"]);
    expect(badParams(() => parseSchedulesQuery({ after: "01", owner: "0x12", swarm: "-1" })).sort()).toEqual(["after", "owner", "swarm"]);
  });

  it("ids and seqs are canonical decimals (seq at most 2^64 - 1)", () => {
    expect(parseScheduleId("42")).toBe(42n);
    expect(parseAttestationSeq("18446744073709551615")).toBe(2n ** 64n - 1n);
    for (const bad of ["", "0x1", "01", "-1", "1.0", " 1"]) expect(badParams(() => parseScheduleId(bad)), bad).toEqual(["id"]);
    expect(badParams(() => parseAttestationSeq("18446744073709551616"))).toEqual(["seq"]);
  });

  it("/v1/attestations and /v1/attestors queries", () => {
    expect(parseAttestationsQuery({})).toEqual({ after: undefined, limit: ATTESTATIONS_DEFAULT_LIMIT, attestor: undefined });
    expect(parseAttestationsQuery({ after: "3", limit: "1", attestor: "0x000000000000000000000000000000000000dEaD" })).toEqual({
      after: 3n,
      limit: 1,
      attestor: "0x000000000000000000000000000000000000dead",
    });
    expect(badParams(() => parseAttestationsQuery({ after: "x", limit: "0" })).sort()).toEqual(["after", "limit"]);
    expect(parseAttestorsQuery({})).toEqual({ allowed: undefined });
    expect(parseAttestorsQuery({ allowed: "false" })).toEqual({ allowed: false });
    expect(badParams(() => parseAttestorsQuery({ allowed: "yes" }))).toEqual(["allowed"]);
  });
});
