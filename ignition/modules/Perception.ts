/**
 * Perception: the on-chain registry of webhook subscriptions (SubscriptionRegistry). It asks the registry of
 * CoordinationModule whether a subscribed swarm exists. The indexer rebuilds subscriptions from its events
 * and the relay (indexer/relay) delivers matching events to their endpoints.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoordinationModule from "./Coordination.ts";

export default buildModule("Perception", (m) => {
  const { swarmRegistry } = m.useModule(CoordinationModule);
  const subscriptionRegistry = m.contract("SubscriptionRegistry", [swarmRegistry]);
  return { subscriptionRegistry };
});
