import { kindNames, type KindName } from "../src/lib/eventBody.ts";

/**
 * A subscription as the relay uses it, parsed from the indexer's GET /v1/subscriptions items (which mirror
 * ISubscriptionRegistry's events). Parsing is lenient about field names (see /work/notes/RELAY_NEEDS.md).
 */
export type ConfirmationMode = "immediate" | "after_confirmations" | "both";
/** "inactive": no longer in the indexer's active list (paused or cancelled), as seen by the relay's cache. */
export type SubscriptionStatus = "active" | "paused" | "cancelled" | "inactive";

export type RelaySubscription = {
  id: string;
  owner: string;
  /** null for raw filters (delivered from RPC logs by rawLogs.ts, not from the feed). */
  swarmId: string | null;
  /** Kinds selected (ISubscriptionRegistry's KIND_* bits by name: `task`, `message`, `swarm` = swarm.* + member.*, …). */
  kinds: KindName[];
  /** Lowercase address the event must touch (its `members`), or null for any. */
  member: string | null;
  endpoint: string;
  status: SubscriptionStatus;
  mode: ConfirmationMode;
  confirmations: number;
  ordered: boolean;
  /** Events of blocks before this one are never delivered to this subscription. */
  fromBlock: number;
  /** Only feed events with a greater id are delivered (the id of the SubscriptionCreated event); "" = any. */
  fromEventId: string;
  /** Raw filter (KIND_RAW): the contract whose logs are delivered (lowercase), else null. */
  rawAddress: string | null;
  /** Raw filter: topic0..topic3 to match (lowercase 32-byte hex; the zero word = any value). */
  topics: string[];
};

const ZERO_ADDRESS = /^0x0{40}$/i;
const pick = (item: Record<string, unknown>, ...names: string[]): unknown => {
  for (const name of names) if (item[name] !== undefined && item[name] !== null) return item[name];
  return undefined;
};

function parseMode(value: unknown): ConfirmationMode {
  const raw = String(value ?? "immediate").replace(/[\s_-]/g, "").toLowerCase();
  if (raw === "0" || raw === "immediate") return "immediate";
  if (raw === "1" || raw === "afterconfirmations") return "after_confirmations";
  if (raw === "2" || raw === "both") return "both";
  throw new Error(`unknown confirmation mode ${JSON.stringify(value)}`);
}

function parseStatus(value: unknown): SubscriptionStatus {
  const raw = String(value ?? "active").toLowerCase();
  if (raw === "active" || raw === "1") return "active";
  if (raw === "paused" || raw === "2") return "paused";
  if (raw === "cancelled" || raw === "canceled" || raw === "3") return "cancelled";
  throw new Error(`unknown subscription status ${JSON.stringify(value)}`);
}

export function parseSubscription(value: unknown): RelaySubscription {
  if (typeof value !== "object" || value === null) throw new Error("a subscription is not an object");
  const item = value as Record<string, unknown>;
  const id = pick(item, "id", "subscriptionId");
  if (id === undefined) throw new Error("a subscription has no id");
  const filter = (typeof item.filter === "object" && item.filter !== null ? item.filter : {}) as Record<string, unknown>;
  const both = { ...filter, ...item };
  const rawKinds = pick(both, "kinds", "kindsMask", "kindMask");
  const kinds = Array.isArray(rawKinds)
    ? (rawKinds.map((k) => String(k).replace(/\.\*$/, "").toLowerCase()) as KindName[])
    : kindNames(Number(rawKinds ?? 0));
  const swarm = pick(both, "swarmId", "swarm");
  const member = pick(both, "member");
  const memberText = typeof member === "string" && !ZERO_ADDRESS.test(member) ? member.toLowerCase() : null;
  const fromBlock = Number(pick(item, "createdBlock", "createdAtBlock", "blockNumber", "createdBlockNumber") ?? 0);
  return {
    id: String(id),
    owner: String(pick(item, "owner") ?? "").toLowerCase(),
    swarmId: swarm === undefined || String(swarm) === "0" ? null : String(swarm),
    kinds,
    member: memberText,
    endpoint: String(pick(item, "endpoint", "url") ?? ""),
    status: parseStatus(pick(item, "status")),
    mode: parseMode(pick(both, "mode", "confirmationMode", "deliveryMode")),
    confirmations: Number(pick(both, "confirmations") ?? 0),
    ordered: Boolean(pick(both, "ordered") ?? true),
    fromBlock: Number.isFinite(fromBlock) ? fromBlock : 0,
    fromEventId: String(pick(item, "createdEventId") ?? ""),
    rawAddress: typeof pick(both, "rawAddress") === "string" && !ZERO_ADDRESS.test(String(pick(both, "rawAddress"))) ? String(pick(both, "rawAddress")).toLowerCase() : null,
    topics: Array.isArray(pick(both, "topics")) ? (pick(both, "topics") as unknown[]).map((t) => String(t).toLowerCase()) : [],
  };
}
