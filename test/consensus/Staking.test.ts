import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import {
  decodeErrorResult,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256 as keccak,
  parseAbiParameters,
  parseEther,
  parseEventLogs,
  zeroAddress,
  type Address,
  type Hex,
  type WalletClient,
} from "viem";
import { decodeRevert, expectRevert } from "../helpers/errors.ts";
import { readDomain, signTyped, type Domain } from "../helpers/signatures.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const S1 = 1n; // ETH swarm: owner (admin) + alice, bob, carol, dave
const S2 = 2n; // ERC-20 swarm: owned by carol, + alice
const DAY = 24 * 3600;
const BURN: Address = "0x000000000000000000000000000000000000dEaD";

const BALLOT_TYPES = {
  Ballot: [
    { name: "swarmId", type: "uint256" },
    { name: "key", type: "uint256" },
    { name: "choice", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "voter", type: "address" },
  ],
} as const;
const BALLOT_PARAMS = parseAbiParameters("uint256, uint256, uint256, uint256, address");

interface Ballot {
  swarmId: bigint;
  key: bigint;
  choice: bigint;
  nonce: bigint;
  voter: Address;
}

/** Lower-cases addresses (deeply) so event args compare with wallet addresses. */
function lc(value: unknown): unknown {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(lc);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)]));
  return value;
}

const encodeBallot = (b: Ballot): Hex => encodeAbiParameters(BALLOT_PARAMS, [b.swarmId, b.key, b.choice, b.nonce, b.voter]);

async function deploy() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, bob, carol, dave, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  for (const w of [alice, bob, carol, dave]) await registry.write.join([S1, ""], { account: w!.account });
  await registry.write.createSwarm([OPEN, []], { account: carol!.account });
  await registry.write.join([S2, ""], { account: alice!.account });
  const staking = await viem.deployContract("Staking", [registry.address], { client: { wallet: owner! } });
  const source = await viem.deployContract("MockBallotSource");
  const token = await viem.deployContract("MockERC20", ["Stake", "STK"]);
  await staking.write.setBallotSource([source.address, true], { account: owner!.account });
  const domain: Domain = await readDomain(publicClient, source.address);

  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: staking.abi, logs: receipt.logs }), fee: receipt.gasUsed * receipt.effectiveGasPrice };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  /** A signed ballot; `signer` defaults to the voter's wallet. */
  const sign = async (ballot: Ballot, signer: WalletClient) => ({ ballot, data: encodeBallot(ballot), sig: await signTyped(signer, domain, BALLOT_TYPES, "Ballot", { ...ballot }) });
  const evidence = (a: { data: Hex; sig: Hex }, b: { data: Hex; sig: Hex }, src: Address = source.address) => ({ source: src, ballotA: a.data, sigA: a.sig, ballotB: b.data, sigB: b.sig });
  /** Asserts a revert with an error of the ballot source (bubbled up through Staking). */
  const expectSourceRevert = async (promise: Promise<unknown>, errorName: string, args?: readonly unknown[]) => {
    let caught: unknown;
    try {
      await promise;
    } catch (error) {
      caught = error;
    }
    if (caught === undefined) throw new Error(`expected ${errorName}, but the call succeeded`);
    const raw = decodeRevert(caught)?.raw;
    expect(raw, `revert data for ${errorName}`).toBeDefined();
    const decoded = decodeErrorResult({ abi: source.abi, data: raw! });
    expect(decoded.errorName).toBe(errorName);
    if (args !== undefined) expect(lc(decoded.args)).toEqual(lc(args));
  };
  const conflictKey = (swarmId: bigint, key: bigint, voter: Address) =>
    keccak(encodeAbiParameters(parseAbiParameters("address, uint256, uint256, address"), [source.address, swarmId, key, voter]));
  return {
    viem, networkHelpers, publicClient, registry, staking, source, token, domain, send, now, sign, evidence, expectSourceRevert, conflictKey,
    owner: owner!, alice: alice!, bob: bob!, carol: carol!, dave: dave!, outsider: outsider!,
  };
}

type Env = Awaited<ReturnType<typeof deploy>>;

describe("Staking: deployment, defaults and configuration", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("is owned by the deployer, rejects a zero registry, has documented defaults", async () => {
    const { staking, registry, owner, viem } = env;
    expect((await staking.read.owner()).toLowerCase()).toBe(owner.account.address.toLowerCase());
    expect((await staking.read.registry()).toLowerCase()).toBe(registry.address.toLowerCase());
    await expect(viem.deployContract("Staking", [zeroAddress])).rejects.toThrow(/StakingZeroAddress/);
    expect(await staking.read.withdrawalDelay([S1])).toBe(7 * DAY);
    expect(await staking.read.slashParams([S1])).toEqual([5000, 1000]);
    expect(await staking.read.stakeToken([S1])).toEqual([zeroAddress, false]);
    expect(await staking.read.BURN_ADDRESS()).toBe(BURN);
    expect(await staking.read.totalStake([S1])).toBe(0n);
    expect(await staking.read.stakeInfo([S1, owner.account.address])).toEqual({ active: 0n, pending: 0n, unlockAt: 0, flagged: false });
  });

  it("setBallotSource: owner only, no zero address, emits BallotSourceSet", async () => {
    const { staking, owner, alice, token, send } = env;
    await expectRevert(staking.write.setBallotSource([token.address, true], { account: alice.account }), "OwnableUnauthorizedAccount", [alice.account.address]);
    await expectRevert(staking.write.setBallotSource([zeroAddress, true], { account: owner.account }), "StakingZeroAddress", []);
    const { events } = await send(staking.write.setBallotSource([token.address, true], { account: owner.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["BallotSourceSet", { source: token.address, trusted: true }]]));
    expect(await staking.read.isBallotSource([token.address])).toBe(true);
    const { events: off } = await send(staking.write.setBallotSource([token.address, false], { account: owner.account }));
    expect(lc(off[0]!.args)).toEqual(lc({ source: token.address, trusted: false }));
    expect(await staking.read.isBallotSource([token.address])).toBe(false);
  });

  it("setStakeToken: admins only, a contract or ETH, once", async () => {
    const { staking, token, carol, alice, outsider, send } = env;
    await expectRevert(staking.write.setStakeToken([S2, token.address], { account: alice.account }), "StakingNotAdmin", [S2, alice.account.address]);
    await expectRevert(staking.write.setStakeToken([99n, token.address], { account: carol.account }), "StakingNotAdmin", [99n, carol.account.address]);
    await expectRevert(staking.write.setStakeToken([S2, outsider.account.address], { account: carol.account }), "StakingInvalidToken", [outsider.account.address]);
    const { events } = await send(staking.write.setStakeToken([S2, token.address], { account: carol.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S2, token: token.address, by: carol.account.address }));
    expect(lc(await staking.read.stakeToken([S2]))).toEqual(lc([token.address, true]));
    await expectRevert(staking.write.setStakeToken([S2, zeroAddress], { account: carol.account }), "StakingStakeTokenFixed", [S2, token.address]);
  });

  it("the first stake of a swarm without a token fixes ETH", async () => {
    const { staking, token, owner, alice, send } = env;
    const { events } = await send(staking.write.stake([S1, 1n], { account: alice.account, value: 1n }));
    expect(events.map((e) => e.eventName)).toEqual(["StakeTokenSet", "Staked"]);
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, token: zeroAddress, by: alice.account.address }));
    expect(await staking.read.stakeToken([S1])).toEqual([zeroAddress, true]);
    await expectRevert(staking.write.setStakeToken([S1, token.address], { account: owner.account }), "StakingStakeTokenFixed", [S1, zeroAddress]);
    const { events: again } = await send(staking.write.stake([S1, 1n], { account: alice.account, value: 1n }));
    expect(again.map((e) => e.eventName)).toEqual(["Staked"]);
  });

  it("setWithdrawalDelay: admins only, within [1 hour, 90 days]", async () => {
    const { staking, owner, alice, send } = env;
    await expectRevert(staking.write.setWithdrawalDelay([S1, 3600], { account: alice.account }), "StakingNotAdmin", [S1, alice.account.address]);
    await expectRevert(staking.write.setWithdrawalDelay([S1, 3599], { account: owner.account }), "StakingInvalidWithdrawalDelay", [3599n, 3600n, BigInt(90 * DAY)]);
    await expectRevert(staking.write.setWithdrawalDelay([S1, 90 * DAY + 1], { account: owner.account }), "StakingInvalidWithdrawalDelay", [BigInt(90 * DAY + 1), 3600n, BigInt(90 * DAY)]);
    const { events } = await send(staking.write.setWithdrawalDelay([S1, 90 * DAY], { account: owner.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, delay: 90 * DAY, by: owner.account.address }));
    expect(await staking.read.withdrawalDelay([S1])).toBe(90 * DAY);
    await send(staking.write.setWithdrawalDelay([S1, 3600], { account: owner.account }));
    expect(await staking.read.withdrawalDelay([S1])).toBe(3600);
    expect(await staking.read.withdrawalDelay([S2])).toBe(7 * DAY);
  });

  it("setSlashParams: admins only, each at most 10_000 bps", async () => {
    const { staking, owner, alice, send } = env;
    await expectRevert(staking.write.setSlashParams([S1, 100, 100], { account: alice.account }), "StakingNotAdmin", [S1, alice.account.address]);
    await expectRevert(staking.write.setSlashParams([S1, 10_001, 0], { account: owner.account }), "StakingInvalidSlashParams", [10_001n, 0n]);
    await expectRevert(staking.write.setSlashParams([S1, 0, 10_001], { account: owner.account }), "StakingInvalidSlashParams", [0n, 10_001n]);
    const { events } = await send(staking.write.setSlashParams([S1, 10_000, 10_000], { account: owner.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, slashBps: 10_000, rewardBps: 10_000, by: owner.account.address }));
    expect(await staking.read.slashParams([S1])).toEqual([10_000, 10_000]);
    await send(staking.write.setSlashParams([S1, 0, 0], { account: owner.account }));
    expect(await staking.read.slashParams([S1])).toEqual([0, 0]);
    expect(await staking.read.slashParams([S2])).toEqual([5000, 1000]);
  });
});

describe("Staking: stake, withdrawal request, cancel, withdraw", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
    await env.staking.write.setStakeToken([S2, env.token.address], { account: env.carol.account });
  });

  it("stake (ETH) rejects zero, non-members, and a value different from the amount", async () => {
    const { staking, alice, outsider } = env;
    await expectRevert(staking.write.stake([S1, 0n], { account: alice.account, value: 0n }), "StakingZeroAmount", []);
    await expectRevert(staking.write.stake([S1, 5n], { account: outsider.account, value: 5n }), "StakingNotMember", [S1, outsider.account.address]);
    await expectRevert(staking.write.stake([S1, 5n], { account: alice.account, value: 4n }), "StakingWrongValue", [S1, 5n, 4n]);
    await expectRevert(staking.write.stake([S1, 5n], { account: alice.account, value: 6n }), "StakingWrongValue", [S1, 5n, 6n]);
    expect(await staking.read.stakeToken([S1])).toEqual([zeroAddress, false]);
  });

  it("stake (ETH) adds weight and emits Staked with the new active and total stake", async () => {
    const { staking, publicClient, alice, bob, send } = env;
    const { events } = await send(staking.write.stake([S1, parseEther("3")], { account: alice.account, value: parseEther("3") }));
    expect(lc(events.at(-1)!.args)).toEqual(lc({ swarmId: S1, member: alice.account.address, token: zeroAddress, amount: parseEther("3"), activeStake: parseEther("3"), totalStake: parseEther("3") }));
    const { events: e2 } = await send(staking.write.stake([S1, parseEther("2")], { account: bob.account, value: parseEther("2") }));
    expect(lc(e2[0]!.args)).toMatchObject(lc({ member: bob.account.address, activeStake: parseEther("2"), totalStake: parseEther("5") }));
    await send(staking.write.stake([S1, parseEther("1")], { account: alice.account, value: parseEther("1") }));
    expect(await staking.read.stakeOf([S1, alice.account.address])).toBe(parseEther("4"));
    expect(await staking.read.totalStake([S1])).toBe(parseEther("6"));
    expect(await publicClient.getBalance({ address: staking.address })).toBe(parseEther("6"));
  });

  it("stake (ERC-20) takes the token, rejects ETH, and needs an allowance", async () => {
    const { staking, token, alice, carol, send } = env;
    await token.write.mint([alice.account.address, 1000n]);
    await expectRevert(staking.write.stake([S2, 100n], { account: alice.account, value: 1n }), "StakingWrongValue", [S2, 0n, 1n]);
    // the token's own error bubbles up through SafeERC20
    const err = await staking.write.stake([S2, 100n], { account: alice.account }).then(() => undefined, (e: unknown) => e);
    const raw = decodeRevert(err)?.raw;
    expect(raw).toBeDefined();
    const decoded = decodeErrorResult({ abi: token.abi, data: raw! });
    expect(lc([decoded.errorName, decoded.args])).toEqual(lc(["ERC20InsufficientAllowance", [staking.address, 0n, 100n]]));
    await token.write.approve([staking.address, 1000n], { account: alice.account });
    const { events } = await send(staking.write.stake([S2, 100n], { account: alice.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S2, member: alice.account.address, token: token.address, amount: 100n, activeStake: 100n, totalStake: 100n }));
    expect(await token.read.balanceOf([staking.address])).toBe(100n);
    expect(await token.read.balanceOf([alice.account.address])).toBe(900n);
  });

  it("requestWithdrawal moves stake to pending (no weight) and (re)starts the delay", async () => {
    const { staking, alice, send, now, networkHelpers } = env;
    await expectRevert(staking.write.requestWithdrawal([S1, 0n], { account: alice.account }), "StakingZeroAmount", []);
    await expectRevert(staking.write.requestWithdrawal([S1, parseEther("5")], { account: alice.account }), "StakingInsufficientStake", [S1, alice.account.address, parseEther("5"), parseEther("4")]);
    const { events } = await send(staking.write.requestWithdrawal([S1, parseEther("1")], { account: alice.account }));
    const unlockAt = (await now()) + 7 * DAY;
    expect(lc(events[0]!.args)).toEqual(lc({
      swarmId: S1, member: alice.account.address, amount: parseEther("1"), activeStake: parseEther("3"),
      pendingWithdrawal: parseEther("1"), unlockAt, totalStake: parseEther("5"),
    }));
    expect(await staking.read.stakeOf([S1, alice.account.address])).toBe(parseEther("3"));
    expect(await staking.read.totalStake([S1])).toBe(parseEther("5"));
    expect(await staking.read.stakeInfo([S1, alice.account.address])).toEqual({ active: parseEther("3"), pending: parseEther("1"), unlockAt, flagged: false });
    await networkHelpers.time.increase(DAY);
    await send(staking.write.requestWithdrawal([S1, parseEther("1")], { account: alice.account }));
    const info = await staking.read.stakeInfo([S1, alice.account.address]);
    expect(info).toEqual({ active: parseEther("2"), pending: parseEther("2"), unlockAt: (await now()) + 7 * DAY, flagged: false });
  });

  it("withdraw: nothing pending, still locked, then pays out after the delay", async () => {
    const { staking, publicClient, alice, bob, send, networkHelpers } = env;
    await expectRevert(staking.write.withdraw([S1], { account: bob.account }), "StakingNothingPending", [S1, bob.account.address]);
    const { unlockAt } = await staking.read.stakeInfo([S1, alice.account.address]);
    await expectRevert(staking.write.withdraw([S1], { account: alice.account }), "StakingWithdrawalLocked", [S1, alice.account.address, unlockAt]);
    await networkHelpers.time.setNextBlockTimestamp(unlockAt - 1);
    await expectRevert(staking.write.withdraw([S1], { account: alice.account }), "StakingWithdrawalLocked", [S1, alice.account.address, unlockAt]);
    await networkHelpers.time.setNextBlockTimestamp(unlockAt);
    const before = await publicClient.getBalance({ address: alice.account.address });
    const { events, fee } = await send(staking.write.withdraw([S1], { account: alice.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, member: alice.account.address, token: zeroAddress, amount: parseEther("2") }));
    expect(await publicClient.getBalance({ address: alice.account.address })).toBe(before + parseEther("2") - fee);
    expect(await staking.read.stakeInfo([S1, alice.account.address])).toEqual({ active: parseEther("2"), pending: 0n, unlockAt: 0, flagged: false });
    expect(await staking.read.totalStake([S1])).toBe(parseEther("4"));
    await expectRevert(staking.write.withdraw([S1], { account: alice.account }), "StakingNothingPending", [S1, alice.account.address]);
  });

  it("cancelWithdrawal: members with pending stake get their weight back", async () => {
    const { staking, registry, bob, outsider, send } = env;
    await expectRevert(staking.write.cancelWithdrawal([S1], { account: bob.account }), "StakingNothingPending", [S1, bob.account.address]);
    await expectRevert(staking.write.cancelWithdrawal([S1], { account: outsider.account }), "StakingNotMember", [S1, outsider.account.address]);
    await send(staking.write.requestWithdrawal([S1, parseEther("2")], { account: bob.account }));
    expect(await staking.read.stakeOf([S1, bob.account.address])).toBe(0n);
    expect(await staking.read.totalStake([S1])).toBe(parseEther("2"));
    const { events } = await send(staking.write.cancelWithdrawal([S1], { account: bob.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, member: bob.account.address, amount: parseEther("2"), activeStake: parseEther("2"), totalStake: parseEther("4") }));
    expect(await staking.read.stakeInfo([S1, bob.account.address])).toEqual({ active: parseEther("2"), pending: 0n, unlockAt: 0, flagged: false });
    // a member who left may still withdraw, but not re-activate stake
    await send(staking.write.requestWithdrawal([S1, parseEther("1")], { account: bob.account }));
    await registry.write.leave([S1], { account: bob.account });
    await expectRevert(staking.write.cancelWithdrawal([S1], { account: bob.account }), "StakingNotMember", [S1, bob.account.address]);
    await expectRevert(staking.write.stake([S1, 1n], { account: bob.account, value: 1n }), "StakingNotMember", [S1, bob.account.address]);
  });

  it("a former member can request and complete a withdrawal (ERC-20 too)", async () => {
    const { staking, registry, token, alice, bob, send, networkHelpers } = env;
    await send(staking.write.requestWithdrawal([S1, parseEther("1")], { account: bob.account }));
    await networkHelpers.time.increase(7 * DAY);
    const { events } = await send(staking.write.withdraw([S1], { account: bob.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ member: bob.account.address, amount: parseEther("2") }));
    await registry.write.leave([S2], { account: alice.account });
    await send(staking.write.requestWithdrawal([S2, 40n], { account: alice.account }));
    await networkHelpers.time.increase(7 * DAY);
    const { events: e2 } = await send(staking.write.withdraw([S2], { account: alice.account }));
    expect(lc(e2[0]!.args)).toEqual(lc({ swarmId: S2, member: alice.account.address, token: token.address, amount: 40n }));
    expect(await token.read.balanceOf([alice.account.address])).toBe(940n);
    expect(await staking.read.totalStake([S2])).toBe(60n);
  });
});
