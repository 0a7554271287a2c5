/**
 * Where the keeper learns which interval schedules have an on-chain call:
 * - `indexerScheduleSource`: the indexer's GET /v1/schedules?active=true&kind=interval (paged; shape in
 *   indexer/src/api/README.md), the default;
 * - `chainScheduleSource`: ScheduleRegistry's own getters (scheduleCount + getSchedule for every id), one call
 *   per schedule — for tests, and deployments without an indexer (RELAY_KEEPER_SOURCE=chain).
 * Either way the keeper re-reads a candidate with `readSchedule` (getSchedule) on chain right before it sends.
 */
import { z } from "zod";
import { zeroAddress, type Address, type PublicClient } from "viem";
import { ScheduleRegistryAbi } from "../../abis/ScheduleRegistryAbi.ts";
import { CATCH_UP_BY_INDEX, type KeeperSchedule } from "./occurrence.ts";

export type ScheduleSource = { name: string; list: () => Promise<KeeperSchedule[]> };

const decimal = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((v) => String(v));

const indexerSchedule = z.object({
  id: decimal,
  kind: z.string(),
  status: z.enum(["active", "paused", "cancelled"]),
  catchUp: z.enum(["fire_latest_once", "fire_all", "skip"]),
  period: z.number().int().nullable(),
  startTime: decimal,
  endTime: decimal.nullable(),
  maxRuns: z.number().int().nonnegative().nullable(),
  target: z.string().nullable(),
  valuePerRun: decimal,
  funds: decimal,
  nextOccurrence: z.number().int().nonnegative(),
});

const page = z.object({ items: z.array(z.unknown()), nextCursor: z.union([z.string(), z.number()]).nullable().optional() });

/** The indexer's active interval schedules that have an on-chain call. */
export function indexerScheduleSource(indexerUrl: string, { timeoutMs = 30_000 } = {}): ScheduleSource {
  return {
    name: "indexer",
    list: async () => {
      const out: KeeperSchedule[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 10_000; pages++) {
        const url = new URL(`${indexerUrl.replace(/\/+$/, "")}/v1/schedules`);
        url.searchParams.set("active", "true");
        url.searchParams.set("kind", "interval");
        url.searchParams.set("limit", "500");
        if (after !== undefined) url.searchParams.set("after", after);
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`GET ${url.pathname}${url.search} answered ${response.status}`);
        const body = page.parse(await response.json());
        for (const item of body.items) {
          const parsed = indexerSchedule.safeParse(item);
          if (!parsed.success) throw new Error(`the indexer sent a schedule the keeper cannot read: ${parsed.error.issues[0]?.message ?? "invalid"}`);
          const s = parsed.data;
          if (s.kind !== "interval" || !s.period || !s.target || s.target === zeroAddress) continue;
          out.push({
            id: BigInt(s.id),
            status: s.status,
            catchUp: s.catchUp,
            startTime: Number(s.startTime),
            period: s.period,
            endTime: s.endTime === null ? 0 : Number(s.endTime),
            maxRuns: s.maxRuns ?? 0,
            nextOccurrence: s.nextOccurrence,
            hasCall: true,
            valuePerRun: BigInt(s.valuePerRun),
            funds: BigInt(s.funds),
          });
        }
        if (body.nextCursor === null || body.nextCursor === undefined || body.items.length === 0) break;
        after = String(body.nextCursor);
      }
      return out;
    },
  };
}

type OnChainSchedule = {
  status: number;
  catchUp: number;
  startTime: number;
  period: number;
  endTime: number;
  maxRuns: number;
  nextOccurrence: number;
  target: Address;
  valuePerRun: bigint;
  funds: bigint;
};

const STATUS_BY_INDEX = [undefined, "active", "paused", "cancelled"] as const;

/** getSchedule(id) on chain as a KeeperSchedule (undefined for an unknown id). */
export async function readSchedule(
  publicClient: PublicClient,
  registry: Address,
  id: bigint,
  blockTag: "pending" | "latest" = "latest",
): Promise<KeeperSchedule | undefined> {
  const s = (await publicClient.readContract({ address: registry, abi: ScheduleRegistryAbi, functionName: "getSchedule", args: [id], blockTag })) as unknown as OnChainSchedule;
  const status = STATUS_BY_INDEX[Number(s.status)];
  if (!status) return undefined;
  return {
    id,
    status,
    catchUp: CATCH_UP_BY_INDEX[Number(s.catchUp)] ?? "fire_all",
    startTime: Number(s.startTime),
    period: Number(s.period),
    endTime: Number(s.endTime),
    maxRuns: Number(s.maxRuns),
    nextOccurrence: Number(s.nextOccurrence),
    hasCall: s.target !== zeroAddress,
    valuePerRun: BigInt(s.valuePerRun),
    funds: BigInt(s.funds),
  };
}

/** Every active interval schedule with a call, read from the registry's getters (O(schedules) calls). */
export function chainScheduleSource(publicClient: PublicClient, registry: Address): ScheduleSource {
  return {
    name: "chain",
    list: async () => {
      const count = await publicClient.readContract({ address: registry, abi: ScheduleRegistryAbi, functionName: "scheduleCount" });
      const out: KeeperSchedule[] = [];
      for (let id = 1n; id <= count; id++) {
        const s = await readSchedule(publicClient, registry, id);
        if (s && s.status === "active" && s.hasCall && s.period > 0) out.push(s);
      }
      return out;
    },
  };
}
