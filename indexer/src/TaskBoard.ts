/**
 * TaskBoard → tasks (current state), task_events (every transition, with its fencing epoch) and claim_caps.
 *
 * Semantics mirrored from contracts/interfaces/ITaskBoard.sol:
 * - a claim sets the task's epoch to the event's epoch (strictly increasing, never reused);
 * - release and lease expiry reopen the task (claimant and lease cleared) unless a TaskExpired follows in
 *   the same transaction, which then moves it to `expired`;
 * - completion keeps the claimant (who completed it) and records the result.
 */
import { type Context, ponder } from "ponder:registry";
import { claimCap as claimCaps, taskEvent as taskEvents, task as tasks } from "ponder:schema";
import type { Hex } from "viem";
import { type EventLike, historyCursor, lower, updatedCursor, updatedCursorShort } from "./lib/chain.ts";
import type { EventType } from "./lib/eventBody.ts";
import { type FeedEventLike, recordEvent } from "./lib/feed.ts";

type TaskEventRow = {
  taskId: bigint;
  swarmId: bigint;
  kind: string;
  status: string;
  epoch: bigint;
  actor: Hex;
  claimant?: Hex | null;
  leaseExpiry?: bigint | null;
  relayer?: Hex | null;
  data?: Record<string, string | null>;
};

async function recordTaskEvent(context: Context, event: FeedEventLike, row: TaskEventRow) {
  await context.db.insert(taskEvents).values({
    id: event.id,
    taskId: row.taskId,
    swarmId: row.swarmId,
    kind: row.kind,
    status: row.status,
    epoch: row.epoch,
    actor: lower(row.actor),
    claimant: row.claimant == null ? null : lower(row.claimant),
    leaseExpiry: row.leaseExpiry ?? null,
    relayer: row.relayer == null ? null : lower(row.relayer),
    data: row.data ?? {},
    ...historyCursor(event, context.chain.id),
  });
  const task = await context.db.find(tasks, { id: row.taskId });
  await recordEvent(context, event, {
    type: `task.${row.kind}` as EventType,
    swarmId: row.swarmId,
    members: [row.actor, row.claimant, task?.poster],
    // posted (and expired / cancelled before any claim) name no claim: epoch 0 is not a fencing token.
    fencingToken: row.epoch > 0n ? { kind: "epoch", value: row.epoch } : null,
    data: { status: row.status },
  });
}

ponder.on("TaskBoard:TaskPosted", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(tasks).values({
    id: a.taskId,
    swarmId: a.swarmId,
    poster: lower(a.poster),
    typeTag: a.typeTag,
    priority: Number(a.priority),
    specUri: a.specURI,
    specHash: a.specHash,
    rewardToken: lower(a.rewardToken),
    rewardAmount: a.rewardAmount,
    leaseTtl: BigInt(a.leaseTtl),
    deadline: BigInt(a.deadline),
    status: "open",
    claimant: null,
    epoch: 0n,
    leaseExpiry: null,
    claimCount: 0,
    postedAt: event.block.timestamp,
    postedBlock: event.block.number,
    postedTxHash: event.transaction.hash,
    ...updatedCursor(event),
  });
  await recordTaskEvent(context, event, {
    taskId: a.taskId,
    swarmId: a.swarmId,
    kind: "posted",
    status: "open",
    epoch: 0n,
    actor: a.poster,
    data: {
      typeTag: a.typeTag,
      priority: a.priority.toString(),
      specUri: a.specURI,
      specHash: a.specHash,
      leaseTtl: a.leaseTtl.toString(),
      deadline: a.deadline.toString(),
      rewardToken: lower(a.rewardToken),
      rewardAmount: a.rewardAmount.toString(),
    },
  });
});

ponder.on("TaskBoard:TaskClaimed", async ({ event, context }) => {
  const { taskId, swarmId, claimant, epoch, leaseExpiry, relayer } = event.args;
  await context.db.update(tasks, { id: taskId }).set((row) => ({
    status: "claimed",
    claimant: lower(claimant),
    epoch: BigInt(epoch),
    leaseExpiry: BigInt(leaseExpiry),
    claimCount: row.claimCount + 1,
    claimedAt: event.block.timestamp,
    ...updatedCursor(event),
  }));
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "claimed",
    status: "claimed",
    epoch: BigInt(epoch),
    actor: claimant,
    claimant,
    leaseExpiry: BigInt(leaseExpiry),
    relayer,
  });
});

ponder.on("TaskBoard:TaskLeaseRenewed", async ({ event, context }) => {
  const { taskId, swarmId, claimant, epoch, leaseExpiry } = event.args;
  await context.db
    .update(tasks, { id: taskId })
    .set({ leaseExpiry: BigInt(leaseExpiry), ...updatedCursor(event) });
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "lease_renewed",
    status: "claimed",
    epoch: BigInt(epoch),
    actor: claimant,
    claimant,
    leaseExpiry: BigInt(leaseExpiry),
  });
});

ponder.on("TaskBoard:TaskCompleted", async ({ event, context }) => {
  const { taskId, swarmId, claimant, epoch, resultURI, resultHash, rewardToken, rewardAmount } = event.args;
  await context.db.update(tasks, { id: taskId }).set({
    status: "completed",
    claimant: lower(claimant),
    leaseExpiry: null,
    resultUri: resultURI,
    resultHash,
    completedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "completed",
    status: "completed",
    epoch: BigInt(epoch),
    actor: claimant,
    claimant,
    data: {
      resultUri: resultURI,
      resultHash,
      rewardToken: lower(rewardToken),
      rewardAmount: rewardAmount.toString(),
    },
  });
});

/** Release and lease expiry: the task reopens (a TaskExpired in the same transaction may follow). */
async function reopen(context: Context, event: EventLike, taskId: bigint) {
  await context.db.update(tasks, { id: taskId }).set({
    status: "open",
    claimant: null,
    leaseExpiry: null,
    ...updatedCursor(event),
  });
}

ponder.on("TaskBoard:TaskReleased", async ({ event, context }) => {
  const { taskId, swarmId, claimant, epoch } = event.args;
  await reopen(context, event, taskId);
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "released",
    status: "open",
    epoch: BigInt(epoch),
    actor: claimant,
    claimant,
  });
});

ponder.on("TaskBoard:TaskLeaseExpired", async ({ event, context }) => {
  const { taskId, swarmId, claimant, epoch, leaseExpiry, by } = event.args;
  await reopen(context, event, taskId);
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "lease_expired",
    status: "open",
    epoch: BigInt(epoch),
    actor: by,
    claimant,
    leaseExpiry: BigInt(leaseExpiry),
  });
});

ponder.on("TaskBoard:TaskExpired", async ({ event, context }) => {
  const { taskId, swarmId, deadline, by } = event.args;
  const task = await context.db.update(tasks, { id: taskId }).set({
    status: "expired",
    claimant: null,
    leaseExpiry: null,
    expiredAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "expired",
    status: "expired",
    epoch: task.epoch,
    actor: by,
    data: { deadline: deadline.toString() },
  });
});

ponder.on("TaskBoard:TaskCancelled", async ({ event, context }) => {
  const { taskId, swarmId, poster, rewardToken, refundAmount } = event.args;
  const task = await context.db.update(tasks, { id: taskId }).set({
    status: "cancelled",
    claimant: null,
    leaseExpiry: null,
    cancelledAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordTaskEvent(context, event, {
    taskId,
    swarmId,
    kind: "cancelled",
    status: "cancelled",
    epoch: task.epoch,
    actor: poster,
    data: { rewardToken: lower(rewardToken), refundAmount: refundAmount.toString() },
  });
});

ponder.on("TaskBoard:ClaimCapUpdated", async ({ event, context }) => {
  const { swarmId, cap, by } = event.args;
  const row = { cap: Number(cap), updatedBy: lower(by), ...updatedCursorShort(event) };
  await context.db
    .insert(claimCaps)
    .values({ swarmId, ...row })
    .onConflictDoUpdate(row);
  await recordEvent(context, event, { type: "task.claim_cap_updated", swarmId, members: [by] });
});
