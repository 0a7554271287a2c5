import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import { getAddress, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex } from "viem";
import { expectRevert } from "../helpers/errors.ts";
import { deployRegistryWithSwarms } from "../helpers/fixtures.ts";

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
const carol = wallet(3);
const outsider = wallet(4);
const addr = (w: Wallet): Address => getAddress(w.account.address);

const Status = { None: 0, Open: 1, Claimed: 2, Completed: 3, Cancelled: 4, Expired: 5 } as const;
const ZERO32: Hex = `0x${"00".repeat(32)}`;
const BUILD = keccak256(toHex("build"));
const REVIEW = keccak256(toHex("review"));
const SPEC_HASH = keccak256(toHex("spec"));
const RESULT_HASH = keccak256(toHex("result"));
const TTL = 600;

async function deployFixture() {
  // swarm 1: owner, alice, bob, carol; swarm 2: only the owner
  const registry = await deployRegistryWithSwarms(viem, [{ members: [alice, bob, carol] }, {}]);
  const board = await viem.deployContract("TaskBoard", [registry.address]);
  const token = await viem.deployContract("MockERC20", ["Reward", "RWD"]);
  return { registry, board, token };
}
const fixture = () => networkHelpers.loadFixture(deployFixture);
type Board = Awaited<ReturnType<typeof deployFixture>>["board"];

interface PostInput {
  swarmId: bigint;
  typeTag: Hex;
  priority: number;
  leaseTtl: number;
  deadline: number;
  specURI: string;
  specHash: Hex;
  rewardToken: Address;
  rewardAmount: bigint;
}
const params = (p: Partial<PostInput> = {}): PostInput => ({
  swarmId: 1n,
  typeTag: BUILD,
  priority: 0,
  leaseTtl: TTL,
  deadline: 0,
  specURI: "ipfs://spec",
  specHash: SPEC_HASH,
  rewardToken: zeroAddress,
  rewardAmount: 0n,
  ...p,
});

/** Waits for `tx`, asserts success and returns the board's decoded events plus the receipt and block time. */
async function send(board: Board, tx: Promise<Hex>) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
  expect(receipt.status).toBe("success");
  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
  const events = parseEventLogs({ abi: board.abi, logs: receipt.logs })
    .filter((l) => getAddress(l.address) === getAddress(board.address))
    .map((l) => ({ eventName: l.eventName, args: l.args as Record<string, unknown> }));
  return { receipt, events, timestamp: Number(block.timestamp), gasUsed: receipt.gasUsed };
}

async function post(board: Board, p: Partial<PostInput> = {}, by: Wallet = owner, value = 0n): Promise<bigint> {
  await send(board, board.write.post([params(p)], { account: by.account, value }));
  return board.read.taskCount();
}

const now = async (): Promise<number> => Number((await publicClient.getBlock()).timestamp);

describe("TaskBoard: deployment", () => {
  it("exposes registry, constants and the EIP-712 domain", async () => {
    const { registry, board } = await fixture();
    expect(getAddress(await board.read.registry())).toBe(getAddress(registry.address));
    expect(await board.read.MAX_PRIORITY()).toBe(15);
    expect(await board.read.MAX_EXPIRED_SKIPS()).toBe(8n);
    expect(await board.read.taskCount()).toBe(0n);
    const domain = await board.read.eip712Domain();
    expect(domain[1]).toBe("Concord TaskBoard");
    expect(domain[2]).toBe("1");
  });

  it("rejects a zero registry", async () => {
    await expect(viem.deployContract("TaskBoard", [zeroAddress])).rejects.toThrow(/TaskBoardZeroAddress/);
  });
});

describe("TaskBoard: post", () => {
  it("stores the task and emits TaskPosted with everything the indexer needs", async () => {
    const { board } = await fixture();
    const deadline = (await now()) + 3600;
    const { events } = await send(
      board,
      board.write.post([params({ priority: 7, deadline, leaseTtl: 90, specURI: "ipfs://abc" })], { account: alice.account }),
    );
    expect(events).toEqual([
      {
        eventName: "TaskPosted",
        args: {
          taskId: 1n,
          swarmId: 1n,
          poster: addr(alice),
          typeTag: BUILD,
          priority: 7,
          specURI: "ipfs://abc",
          specHash: SPEC_HASH,
          leaseTtl: 90,
          deadline,
          rewardToken: zeroAddress,
          rewardAmount: 0n,
        },
      },
    ]);
    expect(await board.read.taskCount()).toBe(1n);
    const t = await board.read.getTask([1n]);
    expect(t).toEqual({
      swarmId: 1n,
      poster: addr(alice),
      typeTag: BUILD,
      priority: 7,
      status: Status.Open,
      claimant: zeroAddress,
      epoch: 0n,
      leaseExpiry: 0,
      deadline,
      leaseTtl: 90,
      rewardToken: zeroAddress,
      rewardAmount: 0n,
    });
    expect(await board.read.hasOpenTask([1n, BUILD])).toBe(true);
    expect(await board.read.hasOpenTask([1n, ZERO32])).toBe(true);
    expect(await board.read.hasOpenTask([1n, REVIEW])).toBe(false);
    expect(await post(board)).toBe(2n);
  });

  it("holds an ETH reward in escrow", async () => {
    const { board } = await fixture();
    const before = await publicClient.getBalance({ address: board.address });
    const { events } = await send(board, board.write.post([params({ rewardAmount: 1000n })], { account: alice.account, value: 1000n }));
    expect(events[0]?.args.rewardAmount).toBe(1000n);
    expect((await publicClient.getBalance({ address: board.address })) - before).toBe(1000n);
    expect((await board.read.getTask([1n])).rewardAmount).toBe(1000n);
  });

  it("holds an ERC-20 reward in escrow (SafeERC20 transferFrom)", async () => {
    const { board, token } = await fixture();
    await token.write.mint([addr(alice), 5000n]);
    await token.write.approve([board.address, 5000n], { account: alice.account });
    const { events } = await send(
      board,
      board.write.post([params({ rewardToken: token.address, rewardAmount: 3000n })], { account: alice.account }),
    );
    expect(events[0]?.args.rewardToken).toBe(getAddress(token.address));
    expect(events[0]?.args.rewardAmount).toBe(3000n);
    expect(await token.read.balanceOf([board.address])).toBe(3000n);
    expect(await token.read.balanceOf([addr(alice)])).toBe(2000n);
    const t = await board.read.getTask([1n]);
    expect(getAddress(t.rewardToken)).toBe(getAddress(token.address));
    expect(t.rewardAmount).toBe(3000n);
  });

  it("rejects non-members, bad swarms, priorities, TTLs and deadlines", async () => {
    const { board } = await fixture();
    await expectRevert(board.write.post([params()], { account: outsider.account }), "TaskBoardNotMember", [1n, addr(outsider)]);
    await expectRevert(board.write.post([params({ swarmId: 2n })], { account: alice.account }), "TaskBoardNotMember", [2n, addr(alice)]);
    await expectRevert(board.write.post([params({ swarmId: 0n })]), "TaskBoardInvalidSwarm", [0n]);
    await expectRevert(board.write.post([params({ swarmId: 1n << 64n })]), "TaskBoardInvalidSwarm", [1n << 64n]);
    await expectRevert(board.write.post([params({ priority: 16 })]), "TaskBoardInvalidPriority", [16, 15]);
    await expectRevert(board.write.post([params({ leaseTtl: 0 })]), "TaskBoardInvalidLeaseTtl", [0]);
    const t = await now();
    await networkHelpers.time.setNextBlockTimestamp(t + 10);
    await expectRevert(board.write.post([params({ deadline: t + 10 })]), "TaskBoardInvalidDeadline", [t + 10, BigInt(t + 10)]);
    expect(await board.read.taskCount()).toBe(0n);
  });

  it("rejects inconsistent rewards and rewards above uint96", async () => {
    const { board, token } = await fixture();
    await expectRevert(board.write.post([params({ rewardAmount: 5n })], { value: 4n }), "TaskBoardInvalidReward", [zeroAddress, 5n, 4n]);
    await expectRevert(board.write.post([params()], { value: 1n }), "TaskBoardInvalidReward", [zeroAddress, 0n, 1n]);
    await expectRevert(
      board.write.post([params({ rewardToken: token.address, rewardAmount: 5n })], { value: 5n }),
      "TaskBoardInvalidReward",
      [token.address, 5n, 5n],
    );
    await expectRevert(board.write.post([params({ rewardToken: token.address })]), "TaskBoardInvalidReward", [token.address, 0n, 0n]);
    const big = 1n << 96n;
    await token.write.mint([addr(owner), big]);
    await token.write.approve([board.address, big]);
    await expectRevert(board.write.post([params({ rewardToken: token.address, rewardAmount: big })]), "TaskBoardRewardTooLarge", [big]);
    // without approval the token's own error surfaces
    await expect(board.write.post([params({ rewardToken: token.address, rewardAmount: 1n })], { account: alice.account })).rejects.toThrow();
    expect(await board.read.taskCount()).toBe(0n);
  });
});

describe("TaskBoard: claim", () => {
  it("gives the first claimant epoch 1 and a lease, and emits TaskClaimed", async () => {
    const { board } = await fixture();
    await post(board);
    const { result } = await board.simulate.claim([1n], { account: alice.account.address });
    expect(result).toBe(1n);
    const { events, timestamp } = await send(board, board.write.claim([1n], { account: alice.account }));
    expect(events).toEqual([
      {
        eventName: "TaskClaimed",
        args: { taskId: 1n, swarmId: 1n, claimant: addr(alice), epoch: 1n, leaseExpiry: timestamp + TTL, relayer: addr(alice) },
      },
    ]);
    const t = await board.read.getTask([1n]);
    expect(t.status).toBe(Status.Claimed);
    expect(t.claimant).toBe(addr(alice));
    expect(t.epoch).toBe(1n);
    expect(t.leaseExpiry).toBe(timestamp + TTL);
    expect(await board.read.hasOpenTask([1n, BUILD])).toBe(false);
    await expectRevert(board.write.claim([1n], { account: bob.account }), "TaskBoardAlreadyClaimed", [1n, addr(alice), 1n]);
    await expectRevert(board.write.claim([1n], { account: alice.account }), "TaskBoardAlreadyClaimed", [1n, addr(alice), 1n]);
  });

  it("rejects unknown tasks, non-members, past-deadline and finished tasks", async () => {
    const { registry, board } = await fixture();
    await expectRevert(board.write.claim([1n], { account: alice.account }), "TaskBoardUnknownTask", [1n]);
    const deadline = (await now()) + 100;
    await post(board, { deadline });
    await expectRevert(board.write.claim([1n], { account: outsider.account }), "TaskBoardNotMember", [1n, addr(outsider)]);
    await registry.write.leave([1n], { account: carol.account });
    await expectRevert(board.write.claim([1n], { account: carol.account }), "TaskBoardNotMember", [1n, addr(carol)]);
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await send(board, board.write.claim([1n], { account: alice.account })); // the deadline second itself is still fine
    await post(board, { deadline: deadline + 10 });
    await networkHelpers.time.setNextBlockTimestamp(deadline + 11);
    await expectRevert(board.write.claim([2n], { account: bob.account }), "TaskBoardDeadlinePassed", [2n, deadline + 10]);
    await send(board, board.write.complete([1n, 1n, "ipfs://r", RESULT_HASH], { account: alice.account }));
    await expectRevert(board.write.claim([1n], { account: bob.account }), "TaskBoardNotOpen", [1n, Status.Completed]);
  });

  it("increments the epoch on every claim and never reuses one", async () => {
    const { board } = await fixture();
    await post(board);
    await send(board, board.write.claim([1n], { account: alice.account }));
    await send(board, board.write.release([1n, 1n], { account: alice.account }));
    expect((await board.read.getTask([1n])).epoch).toBe(1n); // released: stale, not reused
    const second = await send(board, board.write.claim([1n], { account: bob.account }));
    expect(second.events[0]?.args.epoch).toBe(2n);
    await networkHelpers.time.increase(TTL);
    await send(board, board.write.expire([1n], { account: carol.account }));
    const third = await send(board, board.write.claim([1n], { account: alice.account }));
    expect(third.events[0]?.args.epoch).toBe(3n);
    // the previous claimants' epochs are stale
    await expectRevert(board.write.renew([1n, 2n], { account: bob.account }), "TaskBoardStaleEpoch", [1n, 2n, 3n]);
    await expectRevert(board.write.complete([1n, 1n, "x", RESULT_HASH], { account: alice.account }), "TaskBoardStaleEpoch", [1n, 1n, 3n]);
  });
});

describe("TaskBoard: claimNext", () => {
  it("takes the highest priority first, then the oldest", async () => {
    const { board } = await fixture();
    await post(board, { priority: 1 }); // 1
    await post(board, { priority: 5 }); // 2
    await post(board, { priority: 5 }); // 3
    await post(board, { priority: 0 }); // 4
    await post(board, { priority: 15 }); // 5
    const order: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await board.read.peekNext([1n, BUILD])).toBe([5n, 2n, 3n, 1n, 4n][i]);
      const { result } = await board.simulate.claimNext([1n, BUILD], { account: alice.account.address });
      const { events } = await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
      expect(events[0]?.eventName).toBe("TaskClaimed");
      expect(events[0]?.args.taskId).toBe(result[0]);
      expect(result[1]).toBe(1n);
      order.push(result[0]);
    }
    expect(order).toEqual([5n, 2n, 3n, 1n, 4n]);
    await expectRevert(board.write.claimNext([1n, BUILD], { account: alice.account }), "TaskBoardNoOpenTask", [1n, BUILD]);
    expect(await board.read.peekNext([1n, BUILD])).toBe(0n);
  });

  it("keeps typed and any-type queues consistent; untyped tasks only via any type", async () => {
    const { board } = await fixture();
    await post(board, { typeTag: BUILD, priority: 2 }); // 1
    await post(board, { typeTag: REVIEW, priority: 3 }); // 2
    await post(board, { typeTag: ZERO32, priority: 9 }); // 3 untyped
    await post(board, { typeTag: BUILD, priority: 3 }); // 4
    expect(await board.read.openTasks([1n, ZERO32, 3, 10n])).toEqual([2n, 4n]);
    expect(await board.read.openTasks([1n, BUILD, 3, 10n])).toEqual([4n]);
    // typed: best BUILD is 4; any: untyped 3 (priority 9) first
    const a = await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
    expect(a.events[0]?.args.taskId).toBe(4n);
    expect(await board.read.openTasks([1n, ZERO32, 3, 10n])).toEqual([2n]);
    const b = await send(board, board.write.claimNext([1n, ZERO32], { account: bob.account }));
    expect(b.events[0]?.args.taskId).toBe(3n);
    const c = await send(board, board.write.claimNext([1n, ZERO32], { account: bob.account }));
    expect(c.events[0]?.args.taskId).toBe(2n);
    await expectRevert(board.write.claimNext([1n, REVIEW], { account: bob.account }), "TaskBoardNoOpenTask", [1n, REVIEW]);
    const d = await send(board, board.write.claimNext([1n, BUILD], { account: carol.account }));
    expect(d.events[0]?.args.taskId).toBe(1n);
    await expectRevert(board.write.claimNext([1n, ZERO32], { account: bob.account }), "TaskBoardNoOpenTask", [1n, ZERO32]);
    const unknown = keccak256(toHex("never posted"));
    await expectRevert(board.write.claimNext([1n, unknown], { account: bob.account }), "TaskBoardNoOpenTask", [1n, unknown]);
  });

  it("unlinks directly claimed and cancelled tasks from both queues (head, middle, tail)", async () => {
    const { board } = await fixture();
    for (let i = 0; i < 6; i++) await post(board, { typeTag: i % 2 === 0 ? BUILD : REVIEW });
    // BUILD: 1 3 5, REVIEW: 2 4 6, any: 1..6
    await send(board, board.write.claim([3n], { account: alice.account })); // middle of BUILD and of any
    await send(board, board.write.cancel([6n])); // tail of both
    await send(board, board.write.claim([1n], { account: alice.account })); // head of both
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 4n, 5n]);
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([5n]);
    expect(await board.read.openTasks([1n, REVIEW, 0, 10n])).toEqual([2n, 4n]);
    expect(await board.read.openTasks([1n, REVIEW, 0, 1n])).toEqual([2n]);
    const x = await send(board, board.write.claimNext([1n, ZERO32], { account: bob.account }));
    expect(x.events[0]?.args.taskId).toBe(2n);
    const y = await send(board, board.write.claimNext([1n, BUILD], { account: bob.account }));
    expect(y.events[0]?.args.taskId).toBe(5n);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([4n]);
  });

  it("puts a reopened task at the front of its level", async () => {
    const { board } = await fixture();
    for (let i = 0; i < 4; i++) await post(board); // 1..4
    await send(board, board.write.claimNext([1n, BUILD], { account: alice.account })); // 1
    await send(board, board.write.claimNext([1n, BUILD], { account: bob.account })); // 2
    await send(board, board.write.release([1n, 1n], { account: alice.account }));
    await networkHelpers.time.increase(TTL);
    await send(board, board.write.expire([2n], { account: carol.account }));
    // most recently reopened first, then the other reopened one, then never-tried tasks
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([2n, 1n, 3n, 4n]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 1n, 3n, 4n]);
    const r = await send(board, board.write.claimNext([1n, ZERO32], { account: carol.account }));
    expect(r.events[0]?.args).toMatchObject({ taskId: 2n, epoch: 2n });
  });

  it("moves past-deadline tasks to Expired and skips them, at most MAX_EXPIRED_SKIPS per call", async () => {
    const { board } = await fixture();
    const deadline = (await now()) + 1000;
    for (let i = 0; i < 10; i++) await post(board, { priority: 3, deadline }); // 1..10 expire
    await post(board, { priority: 3 }); // 11 no deadline
    await post(board, { priority: 1, deadline }); // 12 expires, lower priority
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1);
    await networkHelpers.mine();
    await expectRevert(board.write.claim([3n], { account: alice.account }), "TaskBoardDeadlinePassed", [3n, deadline]);
    const { result } = await board.simulate.claimNext([1n, BUILD], { account: alice.account.address });
    expect(result).toEqual([0n, 0n]);
    const first = await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
    expect(first.events.map((e) => e.eventName)).toEqual(Array(8).fill("TaskExpired"));
    expect(first.events[0]?.args).toEqual({ taskId: 1n, swarmId: 1n, deadline, by: addr(alice) });
    expect((await board.read.getTask([8n])).status).toBe(Status.Expired);
    expect((await board.read.getTask([9n])).status).toBe(Status.Open);
    const second = await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
    expect(second.events.map((e) => [e.eventName, e.args.taskId])).toEqual([
      ["TaskExpired", 9n],
      ["TaskExpired", 10n],
      ["TaskClaimed", 11n],
    ]);
    // only the expired low-priority task is left: it is cleaned up and nothing is claimed
    const third = await send(board, board.write.claimNext([1n, ZERO32], { account: alice.account }));
    expect(third.events.map((e) => [e.eventName, e.args.taskId])).toEqual([["TaskExpired", 12n]]);
    await expectRevert(board.write.claimNext([1n, ZERO32], { account: alice.account }), "TaskBoardNoOpenTask", [1n, ZERO32]);
  });

  it("rejects non-members and invalid swarms", async () => {
    const { board } = await fixture();
    await post(board);
    await expectRevert(board.write.claimNext([1n, BUILD], { account: outsider.account }), "TaskBoardNotMember", [1n, addr(outsider)]);
    await expectRevert(board.write.claimNext([0n, BUILD], { account: alice.account }), "TaskBoardInvalidSwarm", [0n]);
  });
});

describe("TaskBoard: renew", () => {
  it("extends the lease of the current claimant and emits TaskLeaseRenewed", async () => {
    const { board } = await fixture();
    await post(board);
    await send(board, board.write.claim([1n], { account: alice.account }));
    await networkHelpers.time.increase(TTL - 5);
    const { result } = await board.simulate.renew([1n, 1n], { account: alice.account.address });
    const { events, timestamp } = await send(board, board.write.renew([1n, 1n], { account: alice.account }));
    expect(events).toEqual([
      { eventName: "TaskLeaseRenewed", args: { taskId: 1n, swarmId: 1n, claimant: addr(alice), epoch: 1n, leaseExpiry: timestamp + TTL } },
    ]);
    expect(result).toBeGreaterThan(0);
    expect((await board.read.getTask([1n])).leaseExpiry).toBe(timestamp + TTL);
    await networkHelpers.time.increase(TTL - 5);
    await send(board, board.write.renew([1n, 1n], { account: alice.account })); // still alive thanks to the renewal
  });

  it("rejects stale epochs, other accounts, expired leases, unclaimed tasks and ex-members", async () => {
    const { registry, board } = await fixture();
    await post(board);
    await expectRevert(board.write.renew([1n, 0n], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Open]);
    await expectRevert(board.write.renew([2n, 1n], { account: alice.account }), "TaskBoardUnknownTask", [2n]);
    const { timestamp } = await send(board, board.write.claim([1n], { account: alice.account }));
    await expectRevert(board.write.renew([1n, 2n], { account: alice.account }), "TaskBoardStaleEpoch", [1n, 2n, 1n]);
    await expectRevert(board.write.renew([1n, 1n], { account: bob.account }), "TaskBoardNotClaimant", [1n, addr(bob), addr(alice)]);
    await registry.write.leave([1n], { account: alice.account });
    await expectRevert(board.write.renew([1n, 1n], { account: alice.account }), "TaskBoardNotMember", [1n, addr(alice)]);
    await registry.write.join([1n, ""], { account: alice.account });
    await networkHelpers.time.setNextBlockTimestamp(timestamp + TTL);
    await expectRevert(board.write.renew([1n, 1n], { account: alice.account }), "TaskBoardLeaseExpired", [1n, 1n, timestamp + TTL]);
  });
});

describe("TaskBoard: complete", () => {
  it("completes, pays an ETH reward to the claimant and emits TaskCompleted", async () => {
    const { board } = await fixture();
    await post(board, { rewardAmount: 10n ** 18n }, owner, 10n ** 18n);
    await send(board, board.write.claim([1n], { account: alice.account }));
    const before = await publicClient.getBalance({ address: addr(alice) });
    const { events, receipt } = await send(board, board.write.complete([1n, 1n, "ipfs://result", RESULT_HASH], { account: alice.account }));
    const fee = receipt.gasUsed * receipt.effectiveGasPrice;
    expect((await publicClient.getBalance({ address: addr(alice) })) - before + fee).toBe(10n ** 18n);
    expect(await publicClient.getBalance({ address: board.address })).toBe(0n);
    expect(events).toEqual([
      {
        eventName: "TaskCompleted",
        args: {
          taskId: 1n,
          swarmId: 1n,
          claimant: addr(alice),
          epoch: 1n,
          resultURI: "ipfs://result",
          resultHash: RESULT_HASH,
          rewardToken: zeroAddress,
          rewardAmount: 10n ** 18n,
        },
      },
    ]);
    const t = await board.read.getTask([1n]);
    expect(t.status).toBe(Status.Completed);
    expect(t.claimant).toBe(addr(alice));
    await expectRevert(board.write.complete([1n, 1n, "again", RESULT_HASH], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Completed]);
    await expectRevert(board.write.cancel([1n]), "TaskBoardNotOpen", [1n, Status.Completed]);
  });

  it("pays an ERC-20 reward", async () => {
    const { board, token } = await fixture();
    await token.write.mint([addr(owner), 700n]);
    await token.write.approve([board.address, 700n]);
    await post(board, { rewardToken: token.address, rewardAmount: 700n });
    await send(board, board.write.claim([1n], { account: bob.account }));
    const { events } = await send(board, board.write.complete([1n, 1n, "r", RESULT_HASH], { account: bob.account }));
    expect(events[0]?.args).toMatchObject({ rewardToken: getAddress(token.address), rewardAmount: 700n });
    expect(await token.read.balanceOf([addr(bob)])).toBe(700n);
    expect(await token.read.balanceOf([board.address])).toBe(0n);
  });

  it("rejects stale epochs, other accounts, expired leases, unclaimed tasks and ex-members", async () => {
    const { registry, board } = await fixture();
    await post(board, { rewardAmount: 5n }, owner, 5n);
    await expectRevert(board.write.complete([1n, 0n, "r", RESULT_HASH], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Open]);
    const { timestamp } = await send(board, board.write.claim([1n], { account: alice.account }));
    await expectRevert(board.write.complete([1n, 7n, "r", RESULT_HASH], { account: alice.account }), "TaskBoardStaleEpoch", [1n, 7n, 1n]);
    await expectRevert(board.write.complete([1n, 1n, "r", RESULT_HASH], { account: bob.account }), "TaskBoardNotClaimant", [1n, addr(bob), addr(alice)]);
    await registry.write.leave([1n], { account: alice.account });
    await expectRevert(board.write.complete([1n, 1n, "r", RESULT_HASH], { account: alice.account }), "TaskBoardNotMember", [1n, addr(alice)]);
    await registry.write.join([1n, ""], { account: alice.account });
    await networkHelpers.time.setNextBlockTimestamp(timestamp + TTL);
    await expectRevert(board.write.complete([1n, 1n, "r", RESULT_HASH], { account: alice.account }), "TaskBoardLeaseExpired", [1n, 1n, timestamp + TTL]);
    expect(await publicClient.getBalance({ address: board.address })).toBe(5n);
  });
});

describe("TaskBoard: release", () => {
  it("reopens the task and emits TaskReleased", async () => {
    const { board } = await fixture();
    await post(board);
    await send(board, board.write.claim([1n], { account: alice.account }));
    await expectRevert(board.write.release([1n, 2n], { account: alice.account }), "TaskBoardStaleEpoch", [1n, 2n, 1n]);
    await expectRevert(board.write.release([1n, 1n], { account: bob.account }), "TaskBoardNotClaimant", [1n, addr(bob), addr(alice)]);
    const { events } = await send(board, board.write.release([1n, 1n], { account: alice.account }));
    expect(events).toEqual([{ eventName: "TaskReleased", args: { taskId: 1n, swarmId: 1n, claimant: addr(alice), epoch: 1n } }]);
    const t = await board.read.getTask([1n]);
    expect(t.status).toBe(Status.Open);
    expect(t.claimant).toBe(zeroAddress);
    expect(await board.read.peekNext([1n, BUILD])).toBe(1n);
    await expectRevert(board.write.release([1n, 1n], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Open]);
    await expectRevert(board.write.renew([1n, 1n], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Open]);
  });

  it("expires the task instead when its deadline has passed", async () => {
    const { board } = await fixture();
    const deadline = (await now()) + 50;
    await post(board, { deadline });
    await send(board, board.write.claim([1n], { account: alice.account }));
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1);
    const { events } = await send(board, board.write.release([1n, 1n], { account: alice.account }));
    expect(events.map((e) => e.eventName)).toEqual(["TaskReleased", "TaskExpired"]);
    expect(events[1]?.args).toEqual({ taskId: 1n, swarmId: 1n, deadline, by: addr(alice) });
    expect((await board.read.getTask([1n])).status).toBe(Status.Expired);
    expect(await board.read.hasOpenTask([1n, ZERO32])).toBe(false);
  });
});

describe("TaskBoard: expire", () => {
  it("reopens a task whose lease ran out; anyone may call; the old epoch is stale", async () => {
    const { board } = await fixture();
    await post(board);
    const { timestamp } = await send(board, board.write.claim([1n], { account: alice.account }));
    const leaseExpiry = timestamp + TTL;
    await networkHelpers.time.setNextBlockTimestamp(leaseExpiry - 1);
    await expectRevert(board.write.expire([1n], { account: outsider.account }), "TaskBoardNotExpired", [1n, Status.Claimed, leaseExpiry]);
    await networkHelpers.time.setNextBlockTimestamp(leaseExpiry);
    const { events } = await send(board, board.write.expire([1n], { account: outsider.account }));
    expect(events).toEqual([
      {
        eventName: "TaskLeaseExpired",
        args: { taskId: 1n, swarmId: 1n, claimant: addr(alice), epoch: 1n, leaseExpiry, by: addr(outsider) },
      },
    ]);
    expect((await board.read.getTask([1n])).status).toBe(Status.Open);
    await expectRevert(board.write.complete([1n, 1n, "r", RESULT_HASH], { account: alice.account }), "TaskBoardNotClaimed", [1n, Status.Open]);
    await expectRevert(board.write.expire([1n]), "TaskBoardNotExpired", [1n, Status.Open, 0]);
  });

  it("expires open tasks past their deadline and leases that run out after it", async () => {
    const { board } = await fixture();
    const deadline = (await now()) + 100;
    await post(board, { deadline }); // 1
    await post(board, { deadline }); // 2
    await send(board, board.write.claim([2n], { account: alice.account }));
    await expectRevert(board.write.expire([1n]), "TaskBoardNotExpired", [1n, Status.Open, deadline]);
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1);
    const a = await send(board, board.write.expire([1n], { account: bob.account }));
    expect(a.events).toEqual([{ eventName: "TaskExpired", args: { taskId: 1n, swarmId: 1n, deadline, by: addr(bob) } }]);
    await expectRevert(board.write.expire([1n]), "TaskBoardNotExpired", [1n, Status.Expired, 0]);
    await networkHelpers.time.increase(TTL);
    const b = await send(board, board.write.expire([2n], { account: bob.account }));
    expect(b.events.map((e) => e.eventName)).toEqual(["TaskLeaseExpired", "TaskExpired"]);
    expect((await board.read.getTask([2n])).status).toBe(Status.Expired);
    await expectRevert(board.write.expire([3n]), "TaskBoardUnknownTask", [3n]);
  });
});

describe("TaskBoard: cancel", () => {
  it("refunds the poster's ETH and ERC-20 escrow and takes the task off the queues", async () => {
    const { board, token } = await fixture();
    await post(board, { rewardAmount: 900n }, alice, 900n); // 1
    await token.write.mint([addr(alice), 50n]);
    await token.write.approve([board.address, 50n], { account: alice.account });
    await post(board, { rewardToken: token.address, rewardAmount: 50n }, alice); // 2
    await expectRevert(board.write.cancel([1n], { account: bob.account }), "TaskBoardNotPoster", [1n, addr(bob), addr(alice)]);
    const before = await publicClient.getBalance({ address: addr(alice) });
    const { events, receipt } = await send(board, board.write.cancel([1n], { account: alice.account }));
    expect(events).toEqual([
      { eventName: "TaskCancelled", args: { taskId: 1n, swarmId: 1n, poster: addr(alice), rewardToken: zeroAddress, refundAmount: 900n } },
    ]);
    expect((await publicClient.getBalance({ address: addr(alice) })) - before + receipt.gasUsed * receipt.effectiveGasPrice).toBe(900n);
    const c = await send(board, board.write.cancel([2n], { account: alice.account }));
    expect(c.events[0]?.args).toMatchObject({ rewardToken: getAddress(token.address), refundAmount: 50n });
    expect(await token.read.balanceOf([addr(alice)])).toBe(50n);
    expect((await board.read.getTask([1n])).status).toBe(Status.Cancelled);
    expect(await board.read.hasOpenTask([1n, ZERO32])).toBe(false);
    await expectRevert(board.write.cancel([1n], { account: alice.account }), "TaskBoardNotOpen", [1n, Status.Cancelled]);
    await expectRevert(board.write.claim([1n], { account: bob.account }), "TaskBoardNotOpen", [1n, Status.Cancelled]);
    await expectRevert(board.write.cancel([9n], { account: alice.account }), "TaskBoardUnknownTask", [9n]);
  });

  it("refuses while claimed and refunds an expired task", async () => {
    const { board } = await fixture();
    const deadline = (await now()) + 100;
    await post(board, { deadline, rewardAmount: 3n }, owner, 3n);
    await send(board, board.write.claim([1n], { account: alice.account }));
    await expectRevert(board.write.cancel([1n]), "TaskBoardNotOpen", [1n, Status.Claimed]);
    await networkHelpers.time.setNextBlockTimestamp(deadline + TTL + 1);
    await send(board, board.write.expire([1n]));
    const { events } = await send(board, board.write.cancel([1n]));
    expect(events[0]?.args).toMatchObject({ refundAmount: 3n });
    expect(await publicClient.getBalance({ address: board.address })).toBe(0n);
  });
});

describe("TaskBoard: claim cap", () => {
  it("is set by swarm admins and limits concurrent claims per member", async () => {
    const { registry, board } = await fixture();
    expect(await board.read.claimCap([1n])).toBe(0);
    await expectRevert(board.write.setClaimCap([1n, 2], { account: alice.account }), "TaskBoardNotAdmin", [1n, addr(alice)]);
    await expectRevert(board.write.setClaimCap([0n, 2]), "TaskBoardInvalidSwarm", [0n]);
    for (let i = 0; i < 5; i++) await post(board, { priority: i * 3 });
    await send(board, board.write.claim([1n], { account: alice.account })); // before the cap: not counted
    const { events } = await send(board, board.write.setClaimCap([1n, 2]));
    expect(events).toEqual([{ eventName: "ClaimCapUpdated", args: { swarmId: 1n, cap: 2, by: addr(owner) } }]);
    expect(await board.read.claimCap([1n])).toBe(2);
    await send(board, board.write.claim([2n], { account: alice.account }));
    await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(2);
    await expectRevert(board.write.claim([3n], { account: alice.account }), "TaskBoardClaimCapReached", [1n, addr(alice), 2]);
    await expectRevert(board.write.claimNext([1n, BUILD], { account: alice.account }), "TaskBoardClaimCapReached", [1n, addr(alice), 2]);
    // the uncounted claim does not free a slot; a counted one does
    await send(board, board.write.complete([1n, 1n, "r", RESULT_HASH], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(2);
    await send(board, board.write.release([2n, 1n], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(1);
    await send(board, board.write.claim([3n], { account: alice.account }));
    // lease expiry frees a slot too
    await networkHelpers.time.increase(TTL);
    await send(board, board.write.expire([3n]));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(1);
    // another admin may lift the cap
    await registry.write.setAdmin([1n, addr(carol), true]);
    await send(board, board.write.setClaimCap([1n, 0], { account: carol.account }));
    await send(board, board.write.claim([3n], { account: alice.account }));
    await send(board, board.write.claim([2n], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(1);
  });
});

describe("TaskBoard: views", () => {
  it("getTask reverts for unknown ids; views answer for unknown swarms and types", async () => {
    const { board } = await fixture();
    await expectRevert(board.read.getTask([0n]), "TaskBoardUnknownTask", [0n]);
    await expectRevert(board.read.getTask([1n]), "TaskBoardUnknownTask", [1n]);
    expect(await board.read.peekNext([0n, ZERO32])).toBe(0n);
    expect(await board.read.peekNext([1n, REVIEW])).toBe(0n);
    expect(await board.read.hasOpenTask([5n, ZERO32])).toBe(false);
    expect(await board.read.openTasks([1n, BUILD, 0, 5n])).toEqual([]);
    expect(await board.read.openTasks([1n, ZERO32, 16, 5n])).toEqual([]);
    expect(await board.read.claimCap([0n])).toBe(0);
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(0);
  });
});

describe("TaskBoard: gas", () => {
  /** Posts `openTasks` tasks (`mixed`: 2 types, 4 priorities), then measures claimNext (typed, any) and a claim. */
  async function measure(openTasks: number, mixed: boolean) {
    const { board } = await fixture();
    for (let i = 0; i < openTasks; i++) {
      await board.write.post([params(mixed ? { typeTag: i % 3 === 0 ? REVIEW : BUILD, priority: i % 4 } : {})]);
    }
    const typed = await send(board, board.write.claimNext([1n, BUILD], { account: alice.account }));
    const any = await send(board, board.write.claimNext([1n, ZERO32], { account: bob.account }));
    const head = await board.read.peekNext([1n, BUILD]);
    const direct = await send(board, board.write.claim([head], { account: carol.account }));
    return { typed: typed.gasUsed, any: any.gasUsed, direct: direct.gasUsed };
  }

  function expectFlat(small: Record<string, bigint>, large: Record<string, bigint>) {
    for (const k of ["typed", "any", "direct"]) {
      const a = small[k] ?? 0n;
      const b = large[k] ?? 0n;
      expect(a > b ? a - b : b - a, k).toBeLessThanOrEqual(100n);
    }
    expect(large.typed).toBeLessThanOrEqual(80_000n);
    expect(large.any).toBeLessThanOrEqual(80_000n);
    expect(large.direct).toBeLessThanOrEqual(60_000n);
  }

  it("claimNext and claim cost the same with 10 and 300 open tasks of one type", async () => {
    const small = await measure(10, false);
    const large = await measure(300, false);
    console.log("gas, one type (10 vs 300 open tasks):", small, large);
    expectFlat(small, large);
  });

  it("claimNext and claim cost the same with 30 and 300 open tasks of mixed types and priorities", async () => {
    const small = await measure(30, true);
    const large = await measure(300, true);
    console.log("gas, mixed (30 vs 300 open tasks):", small, large);
    expectFlat(small, large);
  });
  it("claim(id) costs at most 60,000 gas in every position: middle of both levels with four different neighbours, shared neighbours, head", async () => {
    const { board } = await fixture();
    // any-type level 0: 1 2 3 4 5; BUILD: 1 3 5; REVIEW: 2 4. Task 3 has typed neighbours 1, 5 and any-type 2, 4.
    for (const typeTag of [BUILD, REVIEW, BUILD, REVIEW, BUILD]) await post(board, { typeTag });
    const worst = await send(board, board.write.claim([3n], { account: alice.account }));
    // all-BUILD: task 7 has the same neighbours (6, 8) in both lists
    for (let i = 0; i < 3; i++) await post(board);
    const shared = await send(board, board.write.claim([7n], { account: alice.account }));
    const head = await send(board, board.write.claim([1n], { account: alice.account }));
    // the tail of both levels, and the only task of its levels
    const tail = await send(board, board.write.claim([8n], { account: bob.account }));
    await post(board, { priority: 9 }); // 9
    const alone = await send(board, board.write.claim([9n], { account: bob.account }));
    console.log("gas, claim: middle (4 neighbours) / middle (shared) / head / tail / alone:", worst.gasUsed, shared.gasUsed, head.gasUsed, tail.gasUsed, alone.gasUsed);
    // Fixed costs of the worst case: 21.2k intrinsic + 5.3k membership call + 2 x 2.1k task words read + 2.9k
    // claim word write + 2.1k cap (any-type level) read + 4 x 5k neighbour link writes + 2.6k event = 58.4k; the
    // rest is execution (see {_claimFast}).
    for (const r of [worst, shared, head, tail, alone]) expect(r.gasUsed).toBeLessThanOrEqual(60_000n);
    expect(worst.events.map((e) => e.eventName)).toEqual(["TaskClaimed"]);
    expect(worst.events[0]?.args).toMatchObject({ taskId: 3n, swarmId: 1n, claimant: addr(alice), epoch: 1n, relayer: addr(alice) });
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([5n, 6n]);
    expect(await board.read.openTasks([1n, REVIEW, 0, 10n])).toEqual([2n, 4n]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 4n, 5n, 6n]);
    expect(await board.read.hasOpenTask([1n, BUILD])).toBe(true);
    const task3 = await board.read.getTask([3n]);
    expect(task3.status).toBe(Status.Claimed);
    expect(getAddress(task3.claimant)).toBe(addr(alice));
    expect(task3.epoch).toBe(1n);
  });

  it("a claimed neighbour whose claimant bits look like a link does not fool the neighbour probe", async () => {
    const { registry, board } = await fixture();
    // any: 1 2 3 4 5; BUILD: 1 3 5. Claiming 1 leaves 3 at the head of BUILD with a stale typedPrev = 1. If task
    // 1's claimant had bits 40..79 = 3 (where an Open task keeps typedNext), the probe would take 3 for a task
    // strictly inside BUILD without the Open check, and leave BUILD's head on a claimed task.
    for (const typeTag of [BUILD, REVIEW, BUILD, REVIEW, BUILD]) await post(board, { typeTag });
    const crafted = getAddress(`0x${(3n << 40n).toString(16).padStart(40, "0")}`);
    await networkHelpers.impersonateAccount(crafted);
    await networkHelpers.setBalance(crafted, 10n ** 18n);
    await publicClient.waitForTransactionReceipt({ hash: await registry.write.join([1n, ""], { account: crafted }) });
    await send(board, board.write.claim([1n], { account: crafted }));
    expect(getAddress((await board.read.getTask([1n])).claimant)).toBe(crafted);
    await send(board, board.write.claim([3n], { account: alice.account }));
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([5n]);
    expect(await board.read.peekNext([1n, BUILD])).toBe(5n);
    const next = await send(board, board.write.claimNext([1n, BUILD], { account: bob.account }));
    expect(next.events.find((e) => e.eventName === "TaskClaimed")?.args.taskId).toBe(5n);
    expect(getAddress((await board.read.getTask([1n])).claimant)).toBe(crafted);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 4n]);
  });

  it("a claim by id in a capped swarm is counted, with the same events and lists; at the cap it reverts", async () => {
    const { board } = await fixture();
    await send(board, board.write.setClaimCap([1n, 3]));
    for (const typeTag of [BUILD, REVIEW, BUILD, REVIEW, BUILD]) await post(board, { typeTag });
    const worst = await send(board, board.write.claim([3n], { account: alice.account }));
    const again = await send(board, board.write.claim([4n], { account: alice.account }));
    console.log("gas, capped claim in the middle (first / later counted claim of the member):", worst.gasUsed, again.gasUsed);
    expect(worst.events[0]?.args).toMatchObject({ taskId: 3n, claimant: addr(alice), epoch: 1n });
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(2);
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([1n, 5n]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([1n, 2n, 5n]);
    await send(board, board.write.claim([2n], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(3);
    await expectRevert(board.write.claim([5n], { account: alice.account }), "TaskBoardClaimCapReached", [1n, addr(alice), 3]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([1n, 5n]);
    // a counted claim's end frees the slot (the counted flag was set by the fast path)
    await send(board, board.write.release([3n, 1n], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(2);
    await send(board, board.write.claim([5n], { account: alice.account }));
    expect(await board.read.activeClaims([1n, addr(alice)])).toBe(3);
  });

  it("typed heads and tails with stale links inside the any-type level unlink exactly", async () => {
    const { board } = await fixture();
    // any: 1..6; BUILD: 1 3 5; REVIEW: 2 4 6
    for (const typeTag of [BUILD, REVIEW, BUILD, REVIEW, BUILD, REVIEW]) await post(board, { typeTag });
    await send(board, board.write.claim([1n], { account: alice.account })); // 3 heads BUILD, its typedPrev (1) is stale
    await send(board, board.write.claim([3n], { account: alice.account })); // typed head inside the any-type level
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([5n]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 4n, 5n, 6n]);
    for (const typeTag of [BUILD, REVIEW]) await post(board, { typeTag }); // 7 BUILD, 8 REVIEW
    await send(board, board.write.claim([7n], { account: bob.account })); // typed tail inside: 5's typedNext (7) goes stale
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([5n]);
    await send(board, board.write.claim([5n], { account: bob.account })); // typed head and tail, both links stale
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([]);
    expect(await board.read.hasOpenTask([1n, BUILD])).toBe(false);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 4n, 6n, 8n]);
    // release 3 (front of both), then take it from the middle of REVIEW-interleaved any-type list again
    await send(board, board.write.release([3n, 1n], { account: alice.account }));
    await post(board, { typeTag: BUILD }); // 9
    expect(await board.read.openTasks([1n, BUILD, 0, 10n])).toEqual([3n, 9n]);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([3n, 2n, 4n, 6n, 8n, 9n]);
    await send(board, board.write.claim([9n], { account: carol.account }));
    await send(board, board.write.claim([4n], { account: carol.account }));
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([3n, 2n, 6n, 8n]);
    const next = await send(board, board.write.claimNext([1n, BUILD], { account: carol.account }));
    expect(next.events.find((e) => e.eventName === "TaskClaimed")?.args.taskId).toBe(3n);
    expect(await board.read.openTasks([1n, ZERO32, 0, 10n])).toEqual([2n, 6n, 8n]);
    expect(await board.read.openTasks([1n, REVIEW, 0, 10n])).toEqual([2n, 6n, 8n]);
  });
});
