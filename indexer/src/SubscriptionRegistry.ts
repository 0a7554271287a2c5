/**
 * SubscriptionRegistry → subscriptions (one row per subscription, rebuilt from events) and the feed
 * (`subscription.*` events: in the pull feed, never delivered to subscriptions themselves).
 *
 * Semantics mirrored from contracts/interfaces/ISubscriptionRegistry.sol: created active; pause / resume
 * toggle active ↔ paused; an endpoint may change while active or paused; cancel is final.
 */
import { ponder } from "ponder:registry";
import { subscription as subscriptions } from "ponder:schema";
import { zeroAddress } from "viem";
import { lower, updatedCursor } from "./lib/chain.ts";
import { kindNames } from "./lib/eventBody.ts";
import { recordEvent } from "./lib/feed.ts";

/** ISubscriptionRegistry.DeliveryMode, by ordinal. */
export const DELIVERY_MODES = ["immediate", "after_confirmations", "both"] as const;

const modeName = (mode: number) => DELIVERY_MODES[mode] ?? `unknown_${mode}`;

ponder.on("SubscriptionRegistry:SubscriptionCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(subscriptions).values({
    id: a.id,
    owner: lower(a.owner),
    swarmId: a.swarmId === 0n ? null : a.swarmId,
    kinds: Number(a.kinds),
    kindNames: kindNames(Number(a.kinds)),
    member: a.member === zeroAddress ? null : lower(a.member),
    rawAddress: a.rawAddress === zeroAddress ? null : lower(a.rawAddress),
    topics: a.topics.map((t) => t.toLowerCase()),
    endpoint: a.endpoint,
    label: a.label,
    status: "active",
    confirmations: Number(a.confirmations),
    mode: modeName(Number(a.mode)),
    ordered: a.ordered,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    createdTxHash: event.transaction.hash,
    createdEventId: event.id,
    updatedEventId: event.id,
    ...updatedCursor(event),
  });
  await recordEvent(context, event, {
    type: "subscription.created",
    swarmId: a.swarmId,
    members: [a.owner, a.member],
    data: { mode: modeName(Number(a.mode)), kindNames: kindNames(Number(a.kinds)) },
  });
});

ponder.on("SubscriptionRegistry:SubscriptionPaused", async ({ event, context }) => {
  const { id, owner, swarmId } = event.args;
  await context.db
    .update(subscriptions, { id })
    .set({ status: "paused", pausedAt: event.block.timestamp, updatedEventId: event.id, ...updatedCursor(event) });
  await recordEvent(context, event, { type: "subscription.paused", swarmId, members: [owner] });
});

ponder.on("SubscriptionRegistry:SubscriptionResumed", async ({ event, context }) => {
  const { id, owner, swarmId } = event.args;
  await context.db
    .update(subscriptions, { id })
    .set({ status: "active", pausedAt: null, updatedEventId: event.id, ...updatedCursor(event) });
  await recordEvent(context, event, { type: "subscription.resumed", swarmId, members: [owner] });
});

ponder.on("SubscriptionRegistry:SubscriptionEndpointUpdated", async ({ event, context }) => {
  const { id, owner, swarmId, endpoint } = event.args;
  await context.db
    .update(subscriptions, { id })
    .set({ endpoint, updatedEventId: event.id, ...updatedCursor(event) });
  await recordEvent(context, event, { type: "subscription.endpoint_updated", swarmId, members: [owner] });
});

ponder.on("SubscriptionRegistry:SubscriptionCancelled", async ({ event, context }) => {
  const { id, owner, swarmId } = event.args;
  await context.db.update(subscriptions, { id }).set({
    status: "cancelled",
    cancelledAt: event.block.timestamp,
    updatedEventId: event.id,
    ...updatedCursor(event),
  });
  await recordEvent(context, event, { type: "subscription.cancelled", swarmId, members: [owner] });
});
