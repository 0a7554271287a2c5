/**
 * decodeConcordError: custom errors from viem contract calls, from raw transactions without an ABI, from a
 * revert data string; typed narrowing with isConcordError; formatting for humans.
 */
import { network } from "hardhat";
import { encodeErrorResult, encodeFunctionData, keccak256, stringToHex, toHex, zeroAddress } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { concordErrorsAbi, decodeConcordError, formatConcordError, isConcordError, SharedStateAbi, TaskBoardAbi } from "../../sdk/index.ts";

const openSwarm = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

async function deployFixture() {
  const { viem } = await network.create();
  const [owner, alice, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry", []);
  const sharedState = await viem.deployContract("SharedState", [registry.address]);
  const taskBoard = await viem.deployContract("TaskBoard", [registry.address]);
  await registry.write.createSwarm([openSwarm, []], { account: owner!.account });
  await registry.write.join([1n, ""], { account: alice!.account });
  return { publicClient, registry, sharedState, taskBoard, owner: owner!, alice: alice!, outsider: outsider! };
}

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("decodeConcordError", () => {
  let f: Awaited<ReturnType<typeof deployFixture>>;
  const key = keccak256(toHex("k"));

  beforeAll(async () => {
    f = await deployFixture();
    await f.sharedState.write.set([1n, key, stringToHex("v1"), 0n], { account: f.owner.account });
  });

  it("decodes a viem write's revert, with typed args after isConcordError", async () => {
    const error = await caught(f.sharedState.write.set([1n, key, stringToHex("stale"), 0n], { account: f.alice.account }));
    const decoded = decodeConcordError(error);
    expect(decoded).toMatchObject({ name: "SharedStateVersionMismatch", args: [1n, key, 0n, 1n] });
    expect(isConcordError(decoded, "SharedStateVersionMismatch")).toBe(true);
    if (isConcordError(decoded, "SharedStateVersionMismatch")) {
      const [, , expected, current] = decoded.args; // typed: readonly [bigint, `0x${string}`, bigint, bigint]
      expect(current - expected).toBe(1n);
    }
    expect(isConcordError(decoded, "SharedStateNotMember")).toBe(false);
    expect(isConcordError(undefined, "SharedStateNotMember")).toBe(false);
  });

  it("decodes the revert of a raw transaction sent without an ABI (estimateGas / JSON-RPC error data)", async () => {
    const data = encodeFunctionData({ abi: TaskBoardAbi, functionName: "claim", args: [999n] });
    const error = await caught(f.alice.sendTransaction({ to: f.taskBoard.address, data }));
    expect(decodeConcordError(error)).toMatchObject({ name: "TaskBoardUnknownTask", args: [999n] });

    const callError = await caught(f.publicClient.call({ to: f.sharedState.address, data: encodeFunctionData({ abi: SharedStateAbi, functionName: "set", args: [1n, key, "0x01", 0n] }), account: f.outsider.account.address }));
    const decoded = decodeConcordError(callError);
    expect(decoded?.name).toBe("SharedStateNotMember");
    expect(String(decoded?.args[1]).toLowerCase()).toBe(f.outsider.account.address.toLowerCase());
  });

  it("decodes the revert of another contract reached through the registry (SwarmRegistry errors)", async () => {
    const error = await caught(f.registry.write.join([1n, ""], { account: f.alice.account }));
    expect(decodeConcordError(error)?.name).toBe("SwarmRegistryAlreadyMember");
  });

  it("decodes revert data given as a hex string; unknown selectors and non-reverts give undefined", () => {
    const data = encodeErrorResult({ abi: TaskBoardAbi, errorName: "TaskBoardStaleEpoch", args: [7n, 1n, 2n] });
    expect(decodeConcordError(data)).toEqual({ name: "TaskBoardStaleEpoch", args: [7n, 1n, 2n], data });
    expect(decodeConcordError("0xdeadbeef")).toBeUndefined();
    expect(decodeConcordError("not hex")).toBeUndefined();
    expect(decodeConcordError(new Error("network down"))).toBeUndefined();
    expect(decodeConcordError(undefined)).toBeUndefined();
    expect(decodeConcordError({ cause: { data: { data } } })?.name).toBe("TaskBoardStaleEpoch");
  });

  it("formats a decoded error with the ABI's argument names", () => {
    const data = encodeErrorResult({ abi: SharedStateAbi, errorName: "SharedStateVersionMismatch", args: [3n, key, 1n, 2n] });
    expect(formatConcordError(decodeConcordError(data)!)).toBe(`SharedStateVersionMismatch(swarmId=3, key=${key}, expected=1, current=2)`);
  });

  it("knows every custom error of the four coordination contracts exactly once", () => {
    const signatures = concordErrorsAbi.map((e) => `${e.name}(${e.inputs.map((i) => i.type).join(",")})`);
    expect(new Set(signatures).size).toBe(signatures.length);
    for (const prefix of ["SwarmRegistry", "TaskBoard", "SharedState", "MessageBus"]) {
      expect(concordErrorsAbi.some((e) => e.name.startsWith(prefix)), prefix).toBe(true);
    }
  });
});
