/**
 * ScheduleRegistry → schedules (current state, rebuilt from events), schedule_events (every event, with its
 * chain cursor) and the feed (`schedule.*`, family `schedule` = SubscriptionRegistry's KIND_SCHEDULE bit, so
 * a swarm subscription with that kind receives its swarm's schedule events).
 *
 * Semantics mirrored from contracts/interfaces/IScheduleRegistry.sol: registered active; pause / resume toggle
 * active ↔ paused (ScheduleResumed carries nextOccurrence); update replaces cron, endTime, maxRuns, payload and
 * endpoint; cancel is final and refunds the funds (funds → 0); fund adds (the event carries the new total);
 * execute consumes every occurrence up to k (nextOccurrence = k + 1) and pays `valuePaid` from the funds.
 * ScheduleFunded / ScheduleExecuted name no swarm: the feed row takes the schedule's (from its row, written by
 * its earlier ScheduleRegistered log: deterministic).
 */
import { type Context, ponder } from "ponder:registry";
import { scheduleEvent as scheduleEvents, schedule as schedules } from "ponder:schema";
import { type Hex, zeroAddress } from "viem";
import { historyCursor, lower, updatedCursor } from "./lib/chain.ts";
import { type EventType, jsonArgs } from "./lib/eventBody.ts";
import { type FeedEventLike, recordEvent } from "./lib/feed.ts";

/** IScheduleRegistry.CatchUpPolicy, by ordinal. */
export const CATCH_UP_POLICIES = ["fire_latest_once", "fire_all", "skip"] as const;

export const catchUpName = (value: number | bigint): string => CATCH_UP_POLICIES[Number(value)] ?? `unknown_${value.toString()}`;

type ScheduleRow = typeof schedules.$inferSelect;

/**
 * Writes the schedule_events row and the feed row of one log. `data` entries are merged over the event's
 * decoded arguments (the same `data` in both rows).
 */
async function recordScheduleEvent(
  context: Context,
  event: FeedEventLike,
  input: {
    kind: string;
    schedule: Pick<ScheduleRow, "id" | "swarmId" | "status" | "owner">;
    actor: Hex;
    occurrence?: number | null;
    data?: Record<string, unknown>;
  },
) {
  const data = {
    ...(jsonArgs(event.args) as Record<string, unknown>),
    ...(input.data === undefined ? {} : (jsonArgs(input.data) as Record<string, unknown>)),
  };
  await context.db.insert(scheduleEvents).values({
    id: event.id,
    scheduleId: input.schedule.id,
    swarmId: input.schedule.swarmId,
    kind: input.kind,
    status: input.schedule.status,
    actor: lower(input.actor),
    occurrence: input.occurrence ?? null,
    data,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, {
    type: `schedule.${input.kind}` as EventType,
    swarmId: input.schedule.swarmId,
    members: [input.actor, input.schedule.owner],
    data,
  });
}

ponder.on("ScheduleRegistry:ScheduleRegistered", async ({ event, context }) => {
  const { scheduleId, owner, swarmId, params: p, startTime, funds } = event.args;
  const kind = p.period === 0 ? "cron" : "interval";
  const hasTarget = p.target !== zeroAddress;
  const row = {
    id: scheduleId,
    owner: lower(owner),
    swarmId: swarmId === 0n ? null : swarmId,
    kind,
    cron: p.cron === "" ? null : p.cron,
    period: p.period === 0 ? null : p.period,
    startTime: BigInt(startTime),
    endTime: p.endTime === 0 ? null : BigInt(p.endTime),
    maxRuns: p.maxRuns === 0 ? null : p.maxRuns,
    catchUp: catchUpName(p.catchUp),
    payload: lower(p.payload),
    endpoint: p.endpoint === "" ? null : p.endpoint,
    target: hasTarget ? lower(p.target) : null,
    // The contract stores call data and value only with a target (both must be empty without one).
    callData: hasTarget ? lower(p.callData) : ("0x" as Hex),
    valuePerRun: hasTarget ? p.valuePerRun : 0n,
    callGasLimit: Number(p.callGasLimit),
    funds,
    status: "active",
    nextOccurrence: 0,
    executedCount: 0,
    lastExecutedAt: null,
    configuredAt: event.block.timestamp,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    createdTxHash: event.transaction.hash,
    createdEventId: event.id,
    pausedAt: null,
    cancelledAt: null,
    updatedEventId: event.id,
    ...updatedCursor(event),
  };
  await context.db.insert(schedules).values(row);
  await recordScheduleEvent(context, event, {
    kind: "registered",
    schedule: row,
    actor: owner,
    data: { kind, params: { ...p, catchUp: row.catchUp } },
  });
});

ponder.on("ScheduleRegistry:SchedulePaused", async ({ event, context }) => {
  const { scheduleId, owner, pausedAt } = event.args;
  const row = await context.db
    .update(schedules, { id: scheduleId })
    .set({ status: "paused", pausedAt: BigInt(pausedAt), updatedEventId: event.id, ...updatedCursor(event) });
  await recordScheduleEvent(context, event, { kind: "paused", schedule: row, actor: owner });
});

ponder.on("ScheduleRegistry:ScheduleResumed", async ({ event, context }) => {
  const { scheduleId, owner, nextOccurrence } = event.args;
  const row = await context.db.update(schedules, { id: scheduleId }).set({
    status: "active",
    pausedAt: null,
    nextOccurrence,
    updatedEventId: event.id,
    ...updatedCursor(event),
  });
  await recordScheduleEvent(context, event, { kind: "resumed", schedule: row, actor: owner });
});

ponder.on("ScheduleRegistry:ScheduleUpdated", async ({ event, context }) => {
  const { scheduleId, owner, cron, endTime, maxRuns, payload, endpoint } = event.args;
  const row = await context.db.update(schedules, { id: scheduleId }).set({
    cron: cron === "" ? null : cron,
    endTime: endTime === 0 ? null : BigInt(endTime),
    maxRuns: maxRuns === 0 ? null : maxRuns,
    payload: lower(payload),
    endpoint: endpoint === "" ? null : endpoint,
    configuredAt: event.block.timestamp,
    updatedEventId: event.id,
    ...updatedCursor(event),
  });
  await recordScheduleEvent(context, event, { kind: "updated", schedule: row, actor: owner });
});

ponder.on("ScheduleRegistry:ScheduleCancelled", async ({ event, context }) => {
  const { scheduleId, owner } = event.args;
  const row = await context.db.update(schedules, { id: scheduleId }).set({
    status: "cancelled",
    funds: 0n,
    cancelledAt: event.block.timestamp,
    updatedEventId: event.id,
    ...updatedCursor(event),
  });
  await recordScheduleEvent(context, event, { kind: "cancelled", schedule: row, actor: owner });
});

ponder.on("ScheduleRegistry:ScheduleFunded", async ({ event, context }) => {
  const { scheduleId, from, funds } = event.args;
  const row = await context.db
    .update(schedules, { id: scheduleId })
    .set({ funds, updatedEventId: event.id, ...updatedCursor(event) });
  await recordScheduleEvent(context, event, { kind: "funded", schedule: row, actor: from });
});

ponder.on("ScheduleRegistry:ScheduleExecuted", async ({ event, context }) => {
  const { scheduleId, occurrence, executor, valuePaid } = event.args;
  const row = await context.db.update(schedules, { id: scheduleId }).set((current) => ({
    funds: current.funds - valuePaid,
    nextOccurrence: occurrence + 1,
    executedCount: current.executedCount + 1,
    lastExecutedAt: event.block.timestamp,
    updatedEventId: event.id,
    ...updatedCursor(event),
  }));
  await recordScheduleEvent(context, event, { kind: "executed", schedule: row, actor: executor, occurrence });
});
