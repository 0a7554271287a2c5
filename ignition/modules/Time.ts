/**
 * Time: schedules (ScheduleRegistry: cron / interval schedules, webhook fires by the relay, keeper-executed
 * on-chain calls) and the relay's attestations (Attestations: hash-chained Merkle roots of fires and
 * deliveries). ScheduleRegistry asks the registry of CoordinationModule who is a member of a swarm.
 *
 * Attestations is Ownable: the deployer account owns it and is its first attestor (the key the local relay
 * signs with). On a real network, add the relay's attestor key with `setAttestor(relay, true)`, revoke the
 * deployer, and transfer ownership to a multisig.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoordinationModule from "./Coordination.ts";

export default buildModule("Time", (m) => {
  const { swarmRegistry } = m.useModule(CoordinationModule);
  const deployer = m.getAccount(0);
  const scheduleRegistry = m.contract("ScheduleRegistry", [swarmRegistry]);
  const attestations = m.contract("Attestations", [deployer, [deployer]]);
  return { scheduleRegistry, attestations };
});
