/**
 * Shared deployment fixtures for the contract tests: a SwarmRegistry with open swarms and their members.
 *
 *   import { deployRegistryWithSwarms } from "../helpers/fixtures.ts";
 *   const registry = await deployRegistryWithSwarms(viem, [
 *     { members: [alice, bob, carol] },           // swarm 1, created by the default account (owner)
 *     { creator: carol, admins: [addr(dave)] },   // swarm 2, created by carol, no one joined
 *   ]);
 *
 * Swarm ids are assigned in order (1, 2, ...). Every call waits for its receipt, so a reverted setup fails here.
 */
import type { HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import { zeroAddress, type Address } from "viem";

/** Open membership, no token gate, no metadata: anyone may join. */
export const OPEN_SWARM = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

/** A wallet client (or anything with an `account`) that sends the creating / joining transactions. */
export interface Sender {
  account: { address: Address };
}

export interface SwarmSpec {
  /** Creates the swarm (its owner); the connection's default account when absent. */
  creator?: Sender;
  /** Extra admins named at creation. */
  admins?: readonly Address[];
  /** Accounts that join after creation (the creator is a member already). */
  members?: readonly Sender[];
}

/** Deploys a SwarmRegistry and creates `swarms` in order (ids 1, 2, ...), each open, with its members joined. */
export async function deployRegistryWithSwarms(viem: HardhatViemHelpers, swarms: readonly SwarmSpec[]) {
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  const mined = async (hash: Promise<`0x${string}`>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== "success") throw new Error("fixture transaction reverted");
  };
  for (const [i, spec] of swarms.entries()) {
    const id = BigInt(i + 1);
    const options = spec.creator ? { account: spec.creator.account.address } : {};
    await mined(registry.write.createSwarm([OPEN_SWARM, [...(spec.admins ?? [])]], options));
    for (const m of spec.members ?? []) await mined(registry.write.join([id, ""], { account: m.account.address }));
  }
  return registry;
}
