/**
 * The unified Concord event feed: event types, their families and subscription kind bits, and the JSON body
 * of one event — the SAME body `GET /v1/events` answers and the relay POSTs as a webhook.
 *
 * Pure module (no Ponder virtual imports, no I/O): the indexer (handlers via ./feed.ts, the API) and the
 * relay (indexer/relay) import it; unit-tested in test/indexer/events.unit.test.ts.
 * Ponder loads every file under src/ as an indexing file: this one only exports.
 */

type Hex = `0x${string}`;

/** A fencing token as it travels in bodies: the kind and its decimal value. */
export type FencingToken = { kind: "epoch" | "lock_token" | "term"; value: string };

/**
 * One event of the feed (webhook body). Field by field:
 * - `id`: the cursor — Ponder's `event.id`, a 75-digit string that sorts lexicographically in chain order;
 * - `type`: dotted type (see {@link EVENT_TYPES});
 * - `chainId`, `blockNumber` (decimal string), `blockHash`, `blockTimestamp` (unix seconds, decimal string),
 *   `txHash`, `txIndex`, `logIndex` (numbers): the chain cursor of the log;
 * - `contract`: the emitting Concord contract's name; `address`: its address (lowercase);
 * - `swarmId`: decimal string, or null for events outside a swarm (a raw subscription, a ballot source);
 * - `members`: addresses the event touches (actor, claimant, holder, recipient, voter, poster, ...), lowercase,
 *   deduplicated, in the order the handler lists them;
 * - `fencingToken`: task epoch, lock token or leader term when the event names one, else null;
 * - `data`: the event's arguments by ABI name (integers wider than 48 bits as decimal strings, smaller ones
 *   as numbers; addresses lowercase; bytes lowercase hex), with enums replaced by their lowercase names
 *   where the handler knows them (policy, mode, outcome, ...).
 */
export type EventBody = {
  id: string;
  type: string;
  chainId: number;
  blockNumber: string;
  blockHash: Hex;
  blockTimestamp: string;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  contract: string;
  address: Hex;
  swarmId: string | null;
  members: Hex[];
  fencingToken: FencingToken | null;
  data: Record<string, unknown>;
};

/** A row of table `concord_events` (what the database returns). */
export type ConcordEventRow = {
  id: string;
  type: string;
  chainId: number;
  blockNumber: bigint;
  blockHash: Hex;
  blockTimestamp: bigint;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  contract: string;
  address: Hex;
  swarmId: bigint | null;
  members: string[];
  fencingToken: FencingToken | null;
  data: Record<string, unknown>;
};

/** Builds the feed / webhook body of a `concord_events` row (field order fixed, bigints as decimal strings). */
export function toEventBody(row: ConcordEventRow): EventBody {
  return {
    id: row.id,
    type: row.type,
    chainId: row.chainId,
    blockNumber: row.blockNumber.toString(),
    blockHash: row.blockHash,
    blockTimestamp: row.blockTimestamp.toString(),
    txHash: row.txHash,
    txIndex: row.txIndex,
    logIndex: row.logIndex,
    contract: row.contract,
    address: row.address,
    swarmId: row.swarmId === null ? null : row.swarmId.toString(),
    members: row.members as Hex[],
    fencingToken: row.fencingToken,
    data: row.data,
  };
}

// -------------------------------------------------------------------------------------------------
// Kinds (ISubscriptionRegistry's kind bits) and event types
// -------------------------------------------------------------------------------------------------

/** ISubscriptionRegistry kind bits (file-level constants KIND_* of contracts/interfaces/ISubscriptionRegistry.sol). */
export const KIND_BITS = {
  task: 1 << 0,
  state: 1 << 1,
  message: 1 << 2,
  lock: 1 << 3,
  leader: 1 << 4,
  proposal: 1 << 5,
  schedule: 1 << 6,
  swarm: 1 << 7,
  stake: 1 << 8,
  raw: 1 << 15,
} as const;
export type KindName = keyof typeof KIND_BITS;

/** The kind names set in a kinds bitmask, in bit order (unknown bits are ignored). */
export function kindNames(kinds: number): KindName[] {
  return (Object.keys(KIND_BITS) as KindName[]).filter((name) => (kinds & KIND_BITS[name]) !== 0);
}

/**
 * Event families: the part of a type before the dot, the contract that emits it and the subscription kind
 * that selects it (`null`: no kind, never delivered to subscriptions, only in the pull feed).
 */
export const EVENT_FAMILIES = {
  swarm: { contract: "SwarmRegistry", kind: "swarm" },
  member: { contract: "SwarmRegistry", kind: "swarm" },
  task: { contract: "TaskBoard", kind: "task" },
  state: { contract: "SharedState", kind: "state" },
  message: { contract: "MessageBus", kind: "message" },
  lock: { contract: "LockManager", kind: "lock" },
  leader: { contract: "LeaderElection", kind: "leader" },
  proposal: { contract: "Proposals", kind: "proposal" },
  stake: { contract: "Staking", kind: "stake" },
  schedule: { contract: "ScheduleRegistry", kind: "schedule" },
  subscription: { contract: "SubscriptionRegistry", kind: null },
  attestation: { contract: "Attestations", kind: null },
} as const satisfies Record<string, { contract: string; kind: KindName | null }>;
export type EventFamily = keyof typeof EVENT_FAMILIES;

/** Every type the handlers record (the exact list; documented in indexer/src/api/README.md). */
export const EVENT_TYPES = [
  // SwarmRegistry
  "swarm.created",
  "swarm.policy_updated",
  "swarm.metadata_updated",
  "swarm.ownership_transferred",
  "swarm.admin_updated",
  "swarm.allowlist_updated",
  "swarm.invite_used",
  "swarm.invite_revoked",
  "member.joined",
  "member.left",
  "member.removed",
  "member.metadata_updated",
  // TaskBoard
  "task.posted",
  "task.claimed",
  "task.lease_renewed",
  "task.completed",
  "task.released",
  "task.lease_expired",
  "task.expired",
  "task.cancelled",
  "task.claim_cap_updated",
  // SharedState
  "state.set",
  "state.deleted",
  "state.writer_updated",
  "state.restriction_updated",
  // MessageBus
  "message.broadcast",
  "message.direct",
  "message.rate_limit_updated",
  // LockManager
  "lock.acquired",
  "lock.renewed",
  "lock.released",
  // LeaderElection
  "leader.configured",
  "leader.elected",
  "leader.heartbeat",
  "leader.resigned",
  // Proposals
  "proposal.created",
  "proposal.vote_cast",
  "proposal.votes_cast",
  "proposal.vote_skipped",
  "proposal.vote_committed",
  "proposal.vote_revealed",
  "proposal.finalized",
  "proposal.executed",
  "proposal.cancelled",
  "proposal.refunded",
  // Staking
  "stake.token_set",
  "stake.withdrawal_delay_set",
  "stake.slash_params_set",
  "stake.ballot_source_set",
  "stake.staked",
  "stake.withdrawal_requested",
  "stake.withdrawal_cancelled",
  "stake.withdrawn",
  "stake.slashed",
  // SubscriptionRegistry
  "subscription.created",
  "subscription.paused",
  "subscription.resumed",
  "subscription.endpoint_updated",
  "subscription.cancelled",
  // ScheduleRegistry
  "schedule.registered",
  "schedule.paused",
  "schedule.resumed",
  "schedule.updated",
  "schedule.cancelled",
  "schedule.funded",
  "schedule.executed",
  // Attestations
  "attestation.posted",
  "attestation.attestor_updated",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: string): value is EventType {
  return TYPE_SET.has(value);
}

/** The family of a type (`task.claimed` → `task`), or undefined if it has no known family. */
export function familyOf(type: string): EventFamily | undefined {
  const family = type.slice(0, type.indexOf("."));
  return Object.hasOwn(EVENT_FAMILIES, family) ? (family as EventFamily) : undefined;
}

/** The subscription kind that selects `type` (null: none; subscription.*, attestation.* and unknown types). */
export function kindOfType(type: string): KindName | null {
  const family = familyOf(type);
  return family === undefined ? null : EVENT_FAMILIES[family].kind;
}

/** The emitting contract's name for `type` (throws for an unknown family: a handler bug). */
export function contractOfType(type: string): string {
  const family = familyOf(type);
  if (family === undefined) throw new Error(`feed: event type '${type}' has no known family`);
  return EVENT_FAMILIES[family].contract;
}

// -------------------------------------------------------------------------------------------------
// `types` filter of the pull feed
// -------------------------------------------------------------------------------------------------

/**
 * Parses a `types` filter: a comma-separated list of exact types (`task.claimed`) and family wildcards
 * (`task.*`, every type of the family). Returns the sorted, deduplicated list of exact types it selects
 * (a known family without types selects none), or the problems found.
 */
export function parseTypesFilter(raw: string): { types: EventType[] } | { error: string } {
  const entries = raw.split(",").map((s) => s.trim());
  if (entries.length === 0 || entries.some((s) => s === "")) {
    return { error: "must be a comma-separated list of event types (e.g. task.claimed) or families (e.g. task.*)" };
  }
  const selected = new Set<EventType>();
  const unknown: string[] = [];
  for (const entry of entries) {
    if (entry.endsWith(".*")) {
      const family = entry.slice(0, -2);
      if (!Object.hasOwn(EVENT_FAMILIES, family)) {
        unknown.push(entry);
        continue;
      }
      for (const type of EVENT_TYPES) if (type.startsWith(`${family}.`)) selected.add(type);
    } else if (isEventType(entry)) {
      selected.add(entry);
    } else {
      unknown.push(entry);
    }
  }
  if (unknown.length > 0) {
    return {
      error: `unknown event type(s) ${unknown.map((u) => `'${u}'`).join(", ")}; families: ${Object.keys(EVENT_FAMILIES)
        .map((f) => `${f}.*`)
        .join(", ")}`,
    };
  }
  return { types: [...selected].sort() };
}

// -------------------------------------------------------------------------------------------------
// Helpers for the handlers (pure)
// -------------------------------------------------------------------------------------------------

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * JSON form of decoded event arguments: bigints → decimal strings, addresses (0x + 40 hex) → lowercase,
 * arrays and structs recursively; other values as they are (viem already returns bytes in lowercase hex).
 */
export function jsonArgs(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return ADDRESS.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(jsonArgs);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonArgs(v)]));
  }
  return value;
}

/** Lowercased, deduplicated addresses, without the zero address and null / undefined entries (order kept). */
export function memberList(addresses: readonly (string | null | undefined)[]): Hex[] {
  const out: Hex[] = [];
  for (const address of addresses) {
    if (address == null) continue;
    const lower = address.toLowerCase() as Hex;
    if (lower === ZERO_ADDRESS || out.includes(lower)) continue;
    out.push(lower);
  }
  return out;
}
