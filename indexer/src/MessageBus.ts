/**
 * MessageBus → messages (broadcasts and direct messages; payloads live only in events) and rate_limits.
 */
import { ponder } from "ponder:registry";
import { message as messages, rateLimit as rateLimits } from "ponder:schema";
import { historyCursor, lower, updatedCursorShort } from "./lib/chain.ts";
import { recordEvent } from "./lib/feed.ts";

ponder.on("MessageBus:MessageBroadcast", async ({ event, context }) => {
  const { swarmId, sender, topic, messageId, payload } = event.args;
  await context.db.insert(messages).values({
    id: event.id,
    swarmId,
    messageId: BigInt(messageId),
    kind: "broadcast",
    sender: lower(sender),
    recipient: null,
    topic,
    payload,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, { type: "message.broadcast", swarmId, members: [sender] });
});

ponder.on("MessageBus:DirectMessageSent", async ({ event, context }) => {
  const { swarmId, from, to, topic, messageId, payload } = event.args;
  await context.db.insert(messages).values({
    id: event.id,
    swarmId,
    messageId: BigInt(messageId),
    kind: "direct",
    sender: lower(from),
    recipient: lower(to),
    topic,
    payload,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, { type: "message.direct", swarmId, members: [from, to] });
});

ponder.on("MessageBus:RateLimitUpdated", async ({ event, context }) => {
  const { swarmId, maxMessages, windowSeconds, admin } = event.args;
  const row = {
    maxMessages: Number(maxMessages),
    windowSeconds: Number(windowSeconds),
    updatedBy: lower(admin),
    ...updatedCursorShort(event),
  };
  await context.db
    .insert(rateLimits)
    .values({ swarmId, ...row })
    .onConflictDoUpdate(row);
  await recordEvent(context, event, { type: "message.rate_limit_updated", swarmId, members: [admin] });
});
