/**
 * Does a feed event go to a subscription? Swarm filter: same swarm, the event type's kind (its family's
 * KIND_* bit: `task.claimed` → task, `member.joined` → swarm; `subscription.*` → none) among the selected
 * kinds, the member (when set) among the addresses the event touches, and the event after the subscription's
 * creation (feed id greater than the SubscriptionCreated event's). Raw filters (no swarm) match no feed event:
 * rawLogs.ts delivers them from RPC logs (rawEvent.ts matchesRawFilter). Whether the subscription was active at
 * the event's position is checked by the caller (subscriptionStatus.ts).
 */
import { kindOfType } from "../src/lib/eventBody.ts";
import type { FeedEvent } from "./feedEvent.ts";
import type { RelaySubscription } from "./subscription.ts";


export function matchesSubscription(subscription: RelaySubscription, event: FeedEvent): boolean {
  if (subscription.swarmId === null || event.swarmId === null) return false;
  if (event.swarmId !== subscription.swarmId) return false;
  const kind = kindOfType(event.type);
  if (kind === null || !subscription.kinds.includes(kind)) return false;
  if (subscription.member !== null && !event.members.includes(subscription.member as FeedEvent["members"][number])) return false;
  if (subscription.fromEventId !== "") return event.id > subscription.fromEventId;
  return Number(event.blockNumber) >= subscription.fromBlock;
}
