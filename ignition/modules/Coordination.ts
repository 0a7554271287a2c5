/**
 * Coordination: the swarm registry and the contracts that ask it who is a member.
 * Other area modules get the registry with `const { swarmRegistry } = m.useModule(CoordinationModule);`
 * (Ignition deploys a module once, however many modules use it).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("Coordination", (m) => {
  const swarmRegistry = m.contract("SwarmRegistry");
  const taskBoard = m.contract("TaskBoard", [swarmRegistry]);
  const sharedState = m.contract("SharedState", [swarmRegistry]);
  const messageBus = m.contract("MessageBus", [swarmRegistry]);
  return { swarmRegistry, taskBoard, sharedState, messageBus };
});
