/**
 * SwarmRegistry → swarms, members, swarm_admins, swarm_allowlist, invites, swarm_events.
 *
 * Semantics mirrored from contracts/coordination/SwarmRegistry.sol:
 * - createSwarm emits SwarmCreated, SwarmAdminUpdated (owner, extra admins) then MemberJoined (owner);
 * - a removed / leaving member loses its metadata URI; a re-join starts from the URI it joins with;
 * - member counts are taken from the events (they carry the new count), never recomputed.
 */
import { type Context, ponder } from "ponder:registry";
import { invite as invites, member as members, swarmAdmin as swarmAdmins, swarmAllowlistMember as swarmAllowlist, swarmEvent as swarmEvents, swarm as swarms } from "ponder:schema";
import { gateKindName, historyCursor, lower, policyName, updatedCursor, updatedCursorShort } from "./lib/chain.ts";
import type { Hex } from "viem";
import type { EventType } from "./lib/eventBody.ts";
import { type FeedEventLike, recordEvent } from "./lib/feed.ts";

/** swarm_events kind → feed type. */
const FEED_TYPES: Record<string, EventType> = {
  swarm_created: "swarm.created",
  policy_updated: "swarm.policy_updated",
  metadata_updated: "swarm.metadata_updated",
  ownership_transferred: "swarm.ownership_transferred",
  admin_updated: "swarm.admin_updated",
  allowlist_updated: "swarm.allowlist_updated",
  invite_used: "swarm.invite_used",
  invite_revoked: "swarm.invite_revoked",
  member_joined: "member.joined",
  member_left: "member.left",
  member_removed: "member.removed",
  member_metadata_updated: "member.metadata_updated",
};

type SwarmEventRow = {
  swarmId: bigint;
  kind: string;
  account: Hex | null;
  memberCount?: bigint | null;
  data?: Record<string, string | boolean | null>;
};

async function recordSwarmEvent(context: Context, event: FeedEventLike, chainId: number, row: SwarmEventRow) {
  await context.db.insert(swarmEvents).values({
    id: event.id,
    swarmId: row.swarmId,
    kind: row.kind,
    account: row.account === null ? null : lower(row.account),
    actor: lower(event.transaction.from),
    memberCount: row.memberCount ?? null,
    data: row.data ?? {},
    ...historyCursor(event, chainId),
  });
  const data = row.data ?? {};
  const enums: Record<string, unknown> = {};
  for (const key of ["policy", "gateKind", "via"] as const) if (key in data) enums[key] = data[key];
  await recordEvent(context, event, {
    type: FEED_TYPES[row.kind]!,
    swarmId: row.swarmId,
    members: [row.account, data.previousOwner as string | undefined, data.removedBy as string | undefined],
    data: enums,
  });
}

ponder.on("SwarmRegistry:SwarmCreated", async ({ event, context }) => {
  const { swarmId, owner, policy, gateKind, gateToken, gateMinBalance, metadataURI } = event.args;
  await context.db.insert(swarms).values({
    id: swarmId,
    owner: lower(owner),
    policy: policyName(policy),
    gateKind: gateKindName(gateKind),
    gateToken: lower(gateToken),
    gateMinBalance,
    metadataUri: metadataURI,
    // MemberJoined (owner) follows in the same transaction and sets the count.
    memberCount: 0n,
    createdBlock: event.block.number,
    createdAt: event.block.timestamp,
    createdTxHash: event.transaction.hash,
    ...updatedCursor(event),
  });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "swarm_created",
    account: owner,
    data: {
      policy: policyName(policy),
      gateKind: gateKindName(gateKind),
      gateToken: lower(gateToken),
      gateMinBalance: gateMinBalance.toString(),
      metadataUri: metadataURI,
    },
  });
});

ponder.on("SwarmRegistry:SwarmPolicyUpdated", async ({ event, context }) => {
  const { swarmId, policy, gateKind, gateToken, gateMinBalance } = event.args;
  await context.db.update(swarms, { id: swarmId }).set({
    policy: policyName(policy),
    gateKind: gateKindName(gateKind),
    gateToken: lower(gateToken),
    gateMinBalance,
    ...updatedCursor(event),
  });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "policy_updated",
    account: null,
    data: {
      policy: policyName(policy),
      gateKind: gateKindName(gateKind),
      gateToken: lower(gateToken),
      gateMinBalance: gateMinBalance.toString(),
    },
  });
});

ponder.on("SwarmRegistry:SwarmMetadataUpdated", async ({ event, context }) => {
  const { swarmId, metadataURI } = event.args;
  await context.db.update(swarms, { id: swarmId }).set({ metadataUri: metadataURI, ...updatedCursor(event) });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "metadata_updated",
    account: null,
    data: { metadataUri: metadataURI },
  });
});

ponder.on("SwarmRegistry:SwarmOwnershipTransferred", async ({ event, context }) => {
  const { swarmId, previousOwner, newOwner } = event.args;
  await context.db.update(swarms, { id: swarmId }).set({ owner: lower(newOwner), ...updatedCursor(event) });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "ownership_transferred",
    account: newOwner,
    data: { previousOwner: lower(previousOwner), newOwner: lower(newOwner) },
  });
});

ponder.on("SwarmRegistry:SwarmAdminUpdated", async ({ event, context }) => {
  const { swarmId, account, isAdmin } = event.args;
  const cursor = updatedCursorShort(event);
  await context.db
    .insert(swarmAdmins)
    .values({ swarmId, address: lower(account), isAdmin, ...cursor })
    .onConflictDoUpdate({ isAdmin, ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "admin_updated",
    account,
    data: { isAdmin },
  });
});

ponder.on("SwarmRegistry:SwarmAllowlistUpdated", async ({ event, context }) => {
  const { swarmId, account, allowed } = event.args;
  const cursor = updatedCursorShort(event);
  await context.db
    .insert(swarmAllowlist)
    .values({ swarmId, address: lower(account), allowed, ...cursor })
    .onConflictDoUpdate({ allowed, ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "allowlist_updated",
    account,
    data: { allowed },
  });
});

ponder.on("SwarmRegistry:MemberJoined", async ({ event, context }) => {
  const { swarmId, member, via, metadataURI, memberCount } = event.args;
  const cursor = updatedCursor(event);
  const joined = {
    metadataUri: metadataURI,
    active: true,
    joinedVia: policyName(via),
    joinedAt: event.block.timestamp,
    joinedBlock: event.block.number,
    joinedTxHash: event.transaction.hash,
    exitReason: null,
    removedBy: null,
    leftAt: null,
    leftBlock: null,
    ...cursor,
  };
  await context.db
    .insert(members)
    .values({ swarmId, address: lower(member), joinCount: 1, ...joined })
    .onConflictDoUpdate((row) => ({ ...joined, joinCount: row.joinCount + 1 }));
  await context.db.update(swarms, { id: swarmId }).set({ memberCount, ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "member_joined",
    account: member,
    memberCount,
    data: { via: policyName(via), metadataUri: metadataURI },
  });
});

async function recordExit(
  context: Context,
  event: FeedEventLike,
  swarmId: bigint,
  member: Hex,
  memberCount: bigint,
  removedBy: Hex | null,
) {
  const cursor = updatedCursor(event);
  await context.db.update(members, { swarmId, address: lower(member) }).set({
    active: false,
    // The registry deletes a departing member's metadata URI.
    metadataUri: "",
    exitReason: removedBy === null ? "left" : "removed",
    removedBy: removedBy === null ? null : lower(removedBy),
    leftAt: event.block.timestamp,
    leftBlock: event.block.number,
    ...cursor,
  });
  await context.db.update(swarms, { id: swarmId }).set({ memberCount, ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: removedBy === null ? "member_left" : "member_removed",
    account: member,
    memberCount,
    data: removedBy === null ? {} : { removedBy: lower(removedBy) },
  });
}

ponder.on("SwarmRegistry:MemberLeft", async ({ event, context }) => {
  const { swarmId, member, memberCount } = event.args;
  await recordExit(context, event, swarmId, member, memberCount, null);
});

ponder.on("SwarmRegistry:MemberRemoved", async ({ event, context }) => {
  const { swarmId, member, by, memberCount } = event.args;
  await recordExit(context, event, swarmId, member, memberCount, by);
});

ponder.on("SwarmRegistry:MemberMetadataUpdated", async ({ event, context }) => {
  const { swarmId, member, metadataURI } = event.args;
  await context.db
    .update(members, { swarmId, address: lower(member) })
    .set({ metadataUri: metadataURI, ...updatedCursor(event) });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "member_metadata_updated",
    account: member,
    data: { metadataUri: metadataURI },
  });
});

ponder.on("SwarmRegistry:InviteUsed", async ({ event, context }) => {
  const { swarmId, inviteHash, member, uses } = event.args;
  const cursor = updatedCursorShort(event);
  await context.db
    .insert(invites)
    .values({ swarmId, inviteHash, uses: Number(uses), revoked: false, lastUsedBy: lower(member), ...cursor })
    .onConflictDoUpdate({ uses: Number(uses), lastUsedBy: lower(member), ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "invite_used",
    account: member,
    data: { inviteHash: lower(inviteHash), uses: uses.toString() },
  });
});

ponder.on("SwarmRegistry:InviteRevoked", async ({ event, context }) => {
  const { swarmId, inviteHash } = event.args;
  const cursor = updatedCursorShort(event);
  await context.db
    .insert(invites)
    .values({ swarmId, inviteHash, uses: 0, revoked: true, lastUsedBy: null, ...cursor })
    .onConflictDoUpdate({ revoked: true, ...cursor });
  await recordSwarmEvent(context, event, context.chain.id, {
    swarmId,
    kind: "invite_revoked",
    account: null,
    data: { inviteHash: lower(inviteHash) },
  });
});
