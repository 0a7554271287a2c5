/**
 * LeaderElection → leadership (configuration and seat per swarm) and leadership_events (every configuration,
 * election, heartbeat and resignation, with the fencing term).
 *
 * Semantics mirrored from contracts/interfaces/ILeaderElection.sol:
 * - terms strictly increase per swarm (campaign: term + 1; elect: any higher term); never reused;
 * - a lease ends implicitly when the block time reaches leaseExpiresAt (no event): the row keeps the leader
 *   and its lease end, readers compare with the block time (`isLeader` does the same on chain);
 * - a resignation clears leader and lease but keeps the term; a new configuration keeps the seat.
 */
import { type Context, ponder } from "ponder:registry";
import { leadershipEvent as leadershipEvents, leadership as leaderships } from "ponder:schema";
import { type Hex, zeroAddress } from "viem";
import { type EventLike, historyCursor, lower, updatedCursor } from "./lib/chain.ts";
import { ELECTION_METHODS, ELECTION_MODES, QUORUM_KINDS, WEIGHTINGS, enumName } from "./lib/consensus.ts";
import type { EventType } from "./lib/eventBody.ts";
import { type FeedEventLike, recordEvent } from "./lib/feed.ts";

/** A swarm's row before its first configuration (only reachable if events arrive out of the usual order). */
function unconfigured(swarmId: bigint, event: EventLike) {
  return {
    swarmId,
    mode: "none",
    leaseDuration: 0n,
    quorumKind: "majority",
    weighting: "head",
    term: 0n,
    electionCount: 0,
    ...updatedCursor(event),
  };
}

type LeadershipEventRow = {
  swarmId: bigint;
  kind: string;
  leader?: Hex | null;
  term?: bigint | null;
  leaseExpiresAt?: bigint | null;
  electedHow?: string | null;
  votesWeight?: bigint | null;
  totalWeight?: bigint | null;
  previousLeader?: Hex | null;
  data?: Record<string, string | null>;
};

async function recordLeadershipEvent(context: Context, event: FeedEventLike, row: LeadershipEventRow) {
  await context.db.insert(leadershipEvents).values({
    id: event.id,
    swarmId: row.swarmId,
    kind: row.kind,
    leader: row.leader == null ? null : lower(row.leader),
    term: row.term ?? null,
    leaseExpiresAt: row.leaseExpiresAt ?? null,
    electedHow: row.electedHow ?? null,
    votesWeight: row.votesWeight ?? null,
    totalWeight: row.totalWeight ?? null,
    previousLeader: row.previousLeader == null ? null : lower(row.previousLeader),
    actor: lower(event.transaction.from),
    data: row.data ?? {},
    ...historyCursor(event, context.chain.id),
  });
  const names: Record<string, string> =
    row.kind === "configured"
      ? { mode: row.data?.mode ?? "", quorumKind: row.data?.quorumKind ?? "", weighting: row.data?.weighting ?? "" }
      : row.electedHow == null
        ? {}
        : { how: row.electedHow };
  await recordEvent(context, event, {
    type: `leader.${row.kind}` as EventType,
    swarmId: row.swarmId,
    members: row.kind === "configured" ? [row.data?.by] : [row.leader, row.previousLeader],
    fencingToken: row.term == null ? null : { kind: "term", value: row.term },
    data: names,
  });
}

ponder.on("LeaderElection:LeaderElectionConfigured", async ({ event, context }) => {
  const { swarmId, mode, leaseDuration, quorumKind, weighting, by } = event.args;
  const config = {
    mode: enumName(ELECTION_MODES, mode),
    leaseDuration: BigInt(leaseDuration),
    quorumKind: enumName(QUORUM_KINDS, quorumKind),
    weighting: enumName(WEIGHTINGS, weighting),
    configuredBy: lower(by),
    configuredAt: event.block.timestamp,
    ...updatedCursor(event),
  };
  await context.db
    .insert(leaderships)
    .values({ ...unconfigured(swarmId, event), ...config })
    .onConflictDoUpdate(config);
  await recordLeadershipEvent(context, event, {
    swarmId,
    kind: "configured",
    data: {
      mode: config.mode,
      leaseDuration: config.leaseDuration.toString(),
      quorumKind: config.quorumKind,
      weighting: config.weighting,
      by: config.configuredBy,
    },
  });
});

ponder.on("LeaderElection:LeaderElected", async ({ event, context }) => {
  const { swarmId, leader, term, leaseExpiresAt, how, votesWeight, totalWeight, previousLeader } = event.args;
  const seat = {
    term: BigInt(term),
    leader: lower(leader),
    leaseExpiresAt: BigInt(leaseExpiresAt),
    electedHow: enumName(ELECTION_METHODS, how),
    votesWeight,
    totalWeight,
    previousLeader: previousLeader === zeroAddress ? null : lower(previousLeader),
    electedAt: event.block.timestamp,
    lastHeartbeatAt: null,
    resignedAt: null,
    ...updatedCursor(event),
  };
  await context.db
    .insert(leaderships)
    .values({ ...unconfigured(swarmId, event), ...seat, electionCount: 1 })
    .onConflictDoUpdate((row) => ({ ...seat, electionCount: row.electionCount + 1 }));
  await recordLeadershipEvent(context, event, {
    swarmId,
    kind: "elected",
    leader,
    term: seat.term,
    leaseExpiresAt: seat.leaseExpiresAt,
    electedHow: seat.electedHow,
    votesWeight,
    totalWeight,
    previousLeader: seat.previousLeader,
  });
});

ponder.on("LeaderElection:LeaderHeartbeat", async ({ event, context }) => {
  const { swarmId, leader, term, leaseExpiresAt } = event.args;
  await context.db.update(leaderships, { swarmId }).set({
    leaseExpiresAt: BigInt(leaseExpiresAt),
    lastHeartbeatAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordLeadershipEvent(context, event, {
    swarmId,
    kind: "heartbeat",
    leader,
    term: BigInt(term),
    leaseExpiresAt: BigInt(leaseExpiresAt),
  });
});

ponder.on("LeaderElection:LeaderResigned", async ({ event, context }) => {
  const { swarmId, leader, term } = event.args;
  await context.db.update(leaderships, { swarmId }).set({
    leader: null,
    leaseExpiresAt: null,
    resignedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordLeadershipEvent(context, event, { swarmId, kind: "resigned", leader, term: BigInt(term) });
});
