import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex } from "viem";
import { expectRevert } from "../helpers/errors.ts";
import { deployRegistryWithSwarms } from "../helpers/fixtures.ts";
import { readDomain, signTyped, typedDigest, type Domain } from "../helpers/signatures.ts";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
type Wallet = (typeof wallets)[number];
const wallet = (i: number): Wallet => {
  const w = wallets[i];
  if (w === undefined) throw new Error(`no wallet ${i}`);
  return w;
};
const owner = wallet(0);
const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3); // owns the EIP-1271 smart account
const relayer = wallet(4); // not a member: only submits
const outsider = wallet(5);
const addr = (w: Wallet): Address => getAddress(w.account.address);

const BUILD = keccak256(toHex("build"));
const RESULT_HASH = keccak256(toHex("result"));
const TTL = 600;
const chainId = await publicClient.getChainId();

const CLAIM_TYPES = {
  ClaimTask: [
    { name: "taskId", type: "uint256" },
    { name: "claimant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
const RENEW_TYPES = {
  RenewLease: [
    { name: "taskId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "claimant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
const COMPLETE_TYPES = {
  CompleteTask: [
    { name: "taskId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "claimant", type: "address" },
    { name: "resultURI", type: "string" },
    { name: "resultHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

async function deployFixture() {
  const registry = await deployRegistryWithSwarms(viem, [{ members: [alice, bob] }]);
  const board = await viem.deployContract("TaskBoard", [registry.address]);
  const other = await viem.deployContract("TaskBoard", [registry.address]);
  // an EIP-1271 smart account owned by carol joins the swarm through `execute`
  const smart = await viem.deployContract("MockERC1271Wallet", [addr(carol)]);
  await smart.write.execute([registry.address, 0n, encodeFunctionData({ abi: registry.abi, functionName: "join", args: [1n, "agent"] })], {
    account: carol.account,
  });
  for (let i = 0; i < 3; i++) {
    await board.write.post([
      {
        swarmId: 1n,
        typeTag: BUILD,
        priority: 0,
        leaseTtl: TTL,
        deadline: 0,
        specURI: "ipfs://spec",
        specHash: keccak256(toHex("spec")),
        rewardToken: zeroAddress,
        rewardAmount: 100n,
      },
    ], { value: 100n });
  }
  return { registry, board, other, smart };
}
const fixture = () => networkHelpers.loadFixture(deployFixture);
type Board = Awaited<ReturnType<typeof deployFixture>>["board"];

const domainOf = (board: { address: Address }, overrides: Partial<Domain> = {}): Domain => ({
  name: "Concord TaskBoard",
  version: "1",
  chainId,
  verifyingContract: getAddress(board.address),
  ...overrides,
});
const future = async (): Promise<bigint> => (await publicClient.getBlock()).timestamp + 3600n;

interface ClaimMsg {
  taskId: bigint;
  claimant: Address;
  nonce: bigint;
  deadline: bigint;
}
const signClaim = (signer: Wallet, domain: Domain, m: ClaimMsg) => signTyped(signer, domain, CLAIM_TYPES, "ClaimTask", { ...m });

async function send(board: Board, tx: Promise<Hex>) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
  expect(receipt.status).toBe("success");
  return parseEventLogs({ abi: board.abi, logs: receipt.logs })
    .filter((l) => getAddress(l.address) === getAddress(board.address))
    .map((l) => ({ eventName: l.eventName, args: l.args as Record<string, unknown> }));
}

describe("TaskBoard: EIP-712 digests", () => {
  it("hashClaim / hashRenew / hashComplete match viem's typed-data hashes and the ERC-5267 domain", async () => {
    const { board } = await fixture();
    expect(await readDomain(publicClient, board.address)).toEqual(domainOf(board));
    const d = domainOf(board);
    const claim = { taskId: 7n, claimant: addr(alice), nonce: 3n, deadline: 99n };
    expect(await board.read.hashClaim([7n, addr(alice), 3n, 99n])).toBe(typedDigest(d, CLAIM_TYPES, "ClaimTask", claim));
    const renew = { taskId: 7n, epoch: 2n, claimant: addr(alice), nonce: 3n, deadline: 99n };
    expect(await board.read.hashRenew([7n, 2n, addr(alice), 3n, 99n])).toBe(typedDigest(d, RENEW_TYPES, "RenewLease", renew));
    const complete = { taskId: 7n, epoch: 2n, claimant: addr(alice), resultURI: "ipfs://r", resultHash: RESULT_HASH, nonce: 3n, deadline: 99n };
    expect(await board.read.hashComplete([7n, 2n, addr(alice), "ipfs://r", RESULT_HASH, 3n, 99n])).toBe(
      typedDigest(d, COMPLETE_TYPES, "CompleteTask", complete),
    );
  });
});

describe("TaskBoard: claimBySig / renewBySig / completeBySig (EOA)", () => {
  it("runs a whole task for a gas-less member through a relayer", async () => {
    const { board } = await fixture();
    const deadline = await future();
    const d = domainOf(board);
    expect(await board.read.nonces([addr(alice)])).toBe(0n);

    const claimSig = await signClaim(alice, d, { taskId: 2n, claimant: addr(alice), nonce: 0n, deadline });
    const { result } = await board.simulate.claimBySig([2n, addr(alice), 0n, deadline, claimSig], { account: relayer.account.address });
    expect(result).toBe(1n);
    const claimed = await send(board, board.write.claimBySig([2n, addr(alice), 0n, deadline, claimSig], { account: relayer.account }));
    expect(claimed[0]?.eventName).toBe("TaskClaimed");
    expect(claimed[0]?.args).toMatchObject({ taskId: 2n, swarmId: 1n, claimant: addr(alice), epoch: 1n, relayer: addr(relayer) });
    expect(await board.read.nonces([addr(alice)])).toBe(1n);

    const renewSig = await signTyped(alice, d, RENEW_TYPES, "RenewLease", { taskId: 2n, epoch: 1n, claimant: addr(alice), nonce: 1n, deadline });
    const renewed = await send(board, board.write.renewBySig([2n, 1n, addr(alice), 1n, deadline, renewSig], { account: relayer.account }));
    expect(renewed[0]?.eventName).toBe("TaskLeaseRenewed");
    expect(renewed[0]?.args).toMatchObject({ taskId: 2n, claimant: addr(alice), epoch: 1n });

    const completeSig = await signTyped(alice, d, COMPLETE_TYPES, "CompleteTask", {
      taskId: 2n,
      epoch: 1n,
      claimant: addr(alice),
      resultURI: "ipfs://done",
      resultHash: RESULT_HASH,
      nonce: 2n,
      deadline,
    });
    const before = await publicClient.getBalance({ address: addr(alice) });
    const done = await send(
      board,
      board.write.completeBySig([2n, 1n, addr(alice), "ipfs://done", RESULT_HASH, 2n, deadline, completeSig], { account: relayer.account }),
    );
    expect(done[0]?.eventName).toBe("TaskCompleted");
    expect(done[0]?.args).toMatchObject({ taskId: 2n, claimant: addr(alice), epoch: 1n, resultURI: "ipfs://done", rewardAmount: 100n });
    expect((await publicClient.getBalance({ address: addr(alice) })) - before).toBe(100n); // the relayer paid the gas
    expect(await board.read.nonces([addr(alice)])).toBe(3n);
  });

  it("rejects a replayed signature and out-of-order nonces", async () => {
    const { board } = await fixture();
    const deadline = await future();
    const sig = await signClaim(alice, domainOf(board), { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline });
    await send(board, board.write.claimBySig([1n, addr(alice), 0n, deadline, sig], { account: relayer.account }));
    await send(board, board.write.release([1n, 1n], { account: alice.account }));
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, sig], { account: relayer.account }),
      "TaskBoardInvalidNonce",
      [addr(alice), 0n, 1n],
    );
    const ahead = await signClaim(alice, domainOf(board), { taskId: 1n, claimant: addr(alice), nonce: 5n, deadline });
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 5n, deadline, ahead], { account: relayer.account }),
      "TaskBoardInvalidNonce",
      [addr(alice), 5n, 1n],
    );
  });

  it("rejects expired signatures (deadline is the last valid second)", async () => {
    const { board } = await fixture();
    const deadline = (await publicClient.getBlock()).timestamp + 10n;
    const sig = await signClaim(alice, domainOf(board), { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline });
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, sig], { account: relayer.account }),
      "TaskBoardSignatureExpired",
      [deadline, deadline + 1n],
    );
    const sig2 = await signClaim(alice, domainOf(board), { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline: deadline + 5n });
    await networkHelpers.time.setNextBlockTimestamp(deadline + 5n);
    await send(board, board.write.claimBySig([1n, addr(alice), 0n, deadline + 5n, sig2], { account: relayer.account }));
  });

  it("rejects signatures for another chain or another contract", async () => {
    const { board, other } = await fixture();
    const deadline = await future();
    const m = { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline };
    const otherChain = await signClaim(alice, domainOf(board, { chainId: chainId + 1 }), m);
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, otherChain], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    const otherContract = await signClaim(alice, domainOf(other), m);
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, otherContract], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    const otherName = await signClaim(alice, domainOf(board, { name: "Concord SwarmRegistry" }), m);
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, otherName], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    expect(await board.read.nonces([addr(alice)])).toBe(0n);
  });

  it("rejects malformed signatures, someone else's signature and changed fields", async () => {
    const { board } = await fixture();
    const deadline = await future();
    const d = domainOf(board);
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, "0x1234"], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, `0x${"ab".repeat(65)}`], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    const bobs = await signClaim(bob, d, { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline });
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline, bobs], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    const forTask1 = await signClaim(alice, d, { taskId: 1n, claimant: addr(alice), nonce: 0n, deadline });
    await expectRevert(
      board.write.claimBySig([2n, addr(alice), 0n, deadline, forTask1], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    await expectRevert(
      board.write.claimBySig([1n, addr(alice), 0n, deadline + 1n, forTask1], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    await expectRevert(
      board.write.claimBySig([1n, zeroAddress, 0n, deadline, forTask1], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [zeroAddress],
    );
    // completeBySig binds the result URI and hash
    await send(board, board.write.claim([3n], { account: alice.account }));
    const completeSig = await signTyped(alice, d, COMPLETE_TYPES, "CompleteTask", {
      taskId: 3n,
      epoch: 1n,
      claimant: addr(alice),
      resultURI: "ipfs://honest",
      resultHash: RESULT_HASH,
      nonce: 0n,
      deadline,
    });
    await expectRevert(
      board.write.completeBySig([3n, 1n, addr(alice), "ipfs://forged", RESULT_HASH, 0n, deadline, completeSig], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [addr(alice)],
    );
    await send(
      board,
      board.write.completeBySig([3n, 1n, addr(alice), "ipfs://honest", RESULT_HASH, 0n, deadline, completeSig], { account: relayer.account }),
    );
  });

  it("rejects non-members and stale epochs even with a valid signature (nonce not consumed)", async () => {
    const { board } = await fixture();
    const deadline = await future();
    const d = domainOf(board);
    const outsiders = await signClaim(outsider, d, { taskId: 1n, claimant: addr(outsider), nonce: 0n, deadline });
    await expectRevert(
      board.write.claimBySig([1n, addr(outsider), 0n, deadline, outsiders], { account: relayer.account }),
      "TaskBoardNotMember",
      [1n, addr(outsider)],
    );
    expect(await board.read.nonces([addr(outsider)])).toBe(0n);
    await send(board, board.write.claim([1n], { account: alice.account }));
    await send(board, board.write.release([1n, 1n], { account: alice.account }));
    await send(board, board.write.claim([1n], { account: alice.account })); // epoch 2
    const stale = await signTyped(alice, d, RENEW_TYPES, "RenewLease", { taskId: 1n, epoch: 1n, claimant: addr(alice), nonce: 0n, deadline });
    await expectRevert(
      board.write.renewBySig([1n, 1n, addr(alice), 0n, deadline, stale], { account: relayer.account }),
      "TaskBoardStaleEpoch",
      [1n, 1n, 2n],
    );
    expect(await board.read.nonces([addr(alice)])).toBe(0n);
    // a claim signed for a task someone else holds
    const taken = await signClaim(bob, d, { taskId: 1n, claimant: addr(bob), nonce: 0n, deadline });
    await expectRevert(
      board.write.claimBySig([1n, addr(bob), 0n, deadline, taken], { account: relayer.account }),
      "TaskBoardAlreadyClaimed",
      [1n, addr(alice), 2n],
    );
  });
});

describe("TaskBoard: EIP-1271 smart-account members", () => {
  it("claims, renews and completes for a smart account signed by its owner key", async () => {
    const { board, smart } = await fixture();
    const deadline = await future();
    const d = domainOf(board);
    const account = getAddress(smart.address);
    const claimSig = await signClaim(carol, d, { taskId: 1n, claimant: account, nonce: 0n, deadline });
    const claimed = await send(board, board.write.claimBySig([1n, account, 0n, deadline, claimSig], { account: relayer.account }));
    expect(claimed[0]?.args).toMatchObject({ taskId: 1n, claimant: account, epoch: 1n, relayer: addr(relayer) });
    expect((await board.read.getTask([1n])).claimant).toBe(account);

    const renewSig = await signTyped(carol, d, RENEW_TYPES, "RenewLease", { taskId: 1n, epoch: 1n, claimant: account, nonce: 1n, deadline });
    await send(board, board.write.renewBySig([1n, 1n, account, 1n, deadline, renewSig], { account: relayer.account }));

    const completeSig = await signTyped(carol, d, COMPLETE_TYPES, "CompleteTask", {
      taskId: 1n,
      epoch: 1n,
      claimant: account,
      resultURI: "ipfs://smart",
      resultHash: RESULT_HASH,
      nonce: 2n,
      deadline,
    });
    await send(
      board,
      board.write.completeBySig([1n, 1n, account, "ipfs://smart", RESULT_HASH, 2n, deadline, completeSig], { account: relayer.account }),
    );
    expect(await publicClient.getBalance({ address: account })).toBe(100n);
    expect(await board.read.nonces([account])).toBe(3n);
  });

  it("rejects a signature the smart account does not accept", async () => {
    const { board, smart } = await fixture();
    const deadline = await future();
    const account = getAddress(smart.address);
    const notOwner = await signClaim(alice, domainOf(board), { taskId: 1n, claimant: account, nonce: 0n, deadline });
    await expectRevert(
      board.write.claimBySig([1n, account, 0n, deadline, notOwner], { account: relayer.account }),
      "TaskBoardInvalidSignature",
      [account],
    );
  });

  it("lets the smart account act directly through execute", async () => {
    const { board, smart } = await fixture();
    const data = encodeFunctionData({ abi: board.abi, functionName: "claim", args: [2n] });
    await smart.write.execute([board.address, 0n, data], { account: carol.account });
    expect((await board.read.getTask([2n])).claimant).toBe(getAddress(smart.address));
  });
});
