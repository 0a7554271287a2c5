/**
 * The SDK's fencing-token checks (what a downstream service asks before acting for an agent) against the real
 * contracts: each answers true for the current holder's token and flips to false once the lease runs out, a
 * newer token / term / epoch is issued, or the holder lets go.
 */
import { network } from "hardhat";
import { keccak256, stringToHex, toHex, zeroAddress, zeroHash } from "viem";
import { describe, expect, it } from "vitest";
import { isCurrentLeader, isCurrentLockToken, isCurrentTaskEpoch, lockNameToBytes32, verifyFencingToken, ConcordSdkError } from "../../sdk/index.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const SWARM = 1n;

async function fixture() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, bob] = await viem.getWalletClients();
  const client = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  for (const w of [alice!, bob!]) await registry.write.join([SWARM, ""], { account: w.account });
  const staking = await viem.deployContract("Staking", [registry.address]);
  const locks = await viem.deployContract("LockManager", [registry.address]);
  const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
  const board = await viem.deployContract("TaskBoard", [registry.address]);
  return { networkHelpers, owner: owner!, alice: alice!, bob: bob!, client, locks, election, board };
}

describe("SDK fencing-token checks", async () => {
  const f = await fixture();
  const passTime = async (seconds: number) => {
    await f.networkHelpers.time.increase(seconds);
  };

  it("lock tokens: current while the lease is live, stale after expiry and takeover, and after a release", async () => {
    const name = "deploy";
    const hexName = stringToHex(name, { size: 32 });
    expect(lockNameToBytes32(name)).toBe(hexName);
    expect(lockNameToBytes32(hexName.toUpperCase().replace("0X", "0x") as `0x${string}`)).toBe(hexName);
    expect(() => lockNameToBytes32("0x1234")).toThrow(ConcordSdkError);
    expect(() => lockNameToBytes32("x".repeat(33))).toThrow(/1 to 32 bytes/);

    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 1n)).toBe(false); // never issued
    await f.locks.write.acquire([SWARM, hexName, 60], { account: f.alice.account });
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 1n)).toBe(true);
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, hexName, 1n)).toBe(true);
    expect(await isCurrentLockToken(f.client, f.locks.address, 2n, name, 1n)).toBe(false); // another swarm's lock
    const heldAt = await f.client.getBlockNumber();

    await passTime(61);
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 1n)).toBe(false); // lease over
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 1n, { blockNumber: heldAt })).toBe(true); // as of then

    await f.locks.write.acquire([SWARM, hexName, 600], { account: f.bob.account });
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 1n)).toBe(false);
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 2n)).toBe(true);
    expect(await verifyFencingToken(f.client, { kind: "lock", lockManager: f.locks.address, swarmId: SWARM, lockName: name, token: 2n })).toBe(true);

    await f.locks.write.release([SWARM, hexName, 2n], { account: f.bob.account });
    expect(await isCurrentLockToken(f.client, f.locks.address, SWARM, name, 2n)).toBe(false);
  });

  it("leader terms: current while the lease is live, stale after a newer term", async () => {
    await f.election.write.configure([SWARM, 1, 120, 0, 0], { account: f.owner.account }); // lease mode, 120 s
    await f.election.write.campaign([SWARM], { account: f.alice.account });
    const alice = f.alice.account.address;
    const bob = f.bob.account.address;
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, alice, 1n)).toBe(true);
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, bob, 1n)).toBe(false); // not the leader
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, alice, 2n)).toBe(false); // no such term

    await passTime(121); // alice crashed: no heartbeat
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, alice, 1n)).toBe(false);
    await f.election.write.campaign([SWARM], { account: f.bob.account });
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, alice, 1n)).toBe(false);
    expect(await isCurrentLeader(f.client, f.election.address, SWARM, bob, 2n)).toBe(true);
    expect(await verifyFencingToken(f.client, { kind: "leader", election: f.election.address, swarmId: SWARM, account: bob, term: 2n })).toBe(true);
    expect(await verifyFencingToken(f.client, { kind: "leader", election: f.election.address, swarmId: SWARM, account: alice, term: 1n })).toBe(false);
  });

  it("task epochs: current while claimed under that epoch with a live lease, stale after reclaim and completion", async () => {
    const post = { swarmId: SWARM, typeTag: zeroHash, priority: 0, leaseTtl: 60, deadline: 0, specURI: "ipfs://t", specHash: keccak256(toHex("t")), rewardToken: zeroAddress, rewardAmount: 0n };
    await f.board.write.post([post], { account: f.owner.account });
    const taskId = await f.board.read.taskCount();
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 0n)).toBe(false); // open, never claimed
    await f.board.write.claim([taskId], { account: f.alice.account });
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 1n)).toBe(true);
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 1n, { claimant: f.alice.account.address })).toBe(true);
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 1n, { claimant: f.bob.account.address })).toBe(false);

    await passTime(61);
    await f.networkHelpers.mine();
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 1n)).toBe(false); // lease over (not yet expired on chain)
    await f.board.write.expire([taskId], { account: f.bob.account });
    await f.board.write.claim([taskId], { account: f.bob.account });
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 1n)).toBe(false);
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 2n)).toBe(true);
    expect(await verifyFencingToken(f.client, { kind: "task", taskBoard: f.board.address, taskId, epoch: 2n, claimant: f.bob.account.address })).toBe(true);

    await f.board.write.complete([taskId, 2n, "ipfs://done", zeroHash], { account: f.bob.account });
    expect(await isCurrentTaskEpoch(f.client, f.board.address, taskId, 2n)).toBe(false);
  });
});
