/** getConcordContracts: typed viem bindings built from the SDK's ABIs work against the real contracts. */
import { network } from "hardhat";
import { zeroAddress, zeroHash } from "viem";
import { describe, expect, it } from "vitest";
import { decodeConcordError, getConcordContracts, type ConcordAddresses } from "../../sdk/index.ts";

describe("getConcordContracts", () => {
  it("reads and writes every coordination contract through the SDK's bindings", async () => {
    const { viem } = await network.create();
    const [owner, alice] = await viem.getWalletClients();
    const publicClient = await viem.getPublicClient();
    const registry = await viem.deployContract("SwarmRegistry", []);
    const addresses: ConcordAddresses = {
      SwarmRegistry: registry.address,
      TaskBoard: (await viem.deployContract("TaskBoard", [registry.address])).address,
      SharedState: (await viem.deployContract("SharedState", [registry.address])).address,
      MessageBus: (await viem.deployContract("MessageBus", [registry.address])).address,
    };
    const asOwner = getConcordContracts(addresses, { public: publicClient, wallet: owner! });
    const asAlice = getConcordContracts(addresses, { public: publicClient, wallet: alice! });
    const wait = async (hash: Promise<`0x${string}`>) => publicClient.waitForTransactionReceipt({ hash: await hash });

    await wait(asOwner.SwarmRegistry.write.createSwarm([{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []]));
    expect(await asOwner.SwarmRegistry.read.swarmCount()).toBe(1n);
    await wait(asAlice.SwarmRegistry.write.join([1n, "ipfs://alice"]));
    expect(await asAlice.SwarmRegistry.read.memberCount([1n])).toBe(2n);

    await wait(
      asOwner.TaskBoard.write.post([
        { swarmId: 1n, typeTag: zeroHash, priority: 3, leaseTtl: 60, deadline: 0, specURI: "ipfs://t", specHash: zeroHash, rewardToken: zeroAddress, rewardAmount: 0n },
      ]),
    );
    await wait(asAlice.TaskBoard.write.claimNext([1n, zeroHash]));
    const task = await asAlice.TaskBoard.read.getTask([1n]);
    expect(task.claimant.toLowerCase()).toBe(alice!.account.address.toLowerCase());
    expect(task.epoch).toBe(1n);

    await wait(asAlice.SharedState.write.set([1n, zeroHash, "0x01", 0n]));
    expect(await asOwner.SharedState.read.version([1n, zeroHash])).toBe(1n);
    await wait(asOwner.MessageBus.write.broadcast([1n, zeroHash, "0x68690a"]));
    expect(await asOwner.MessageBus.read.lastMessageId([1n])).toBe(1n);

    const error = await asAlice.TaskBoard.write.claimNext([1n, zeroHash]).then(() => undefined, (e: unknown) => e);
    expect(decodeConcordError(error)).toEqual(expect.objectContaining({ name: "TaskBoardNoOpenTask", args: [1n, zeroHash] }));
  });
});
