import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { encodeAbiParameters, encodeFunctionData, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { expectRevert } from "../helpers/errors.ts";
import { batchArgs, proposalsDomain, signProposalBallot, voteCommitment, type SignedProposalBallot } from "../helpers/ballots.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const S1 = 1n; // owner + 9 members
const S2 = 2n; // owned by wallet 10 (no stake)
const MODE = { Open: 0, CommitReveal: 1 } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;
const THRESHOLD = { Majority: 0, Supermajority: 1, Unanimity: 2 } as const;
const OUTCOME = { None: 0, Passed: 1, Rejected: 2, QuorumNotReached: 3 } as const;
const STATE = { None: 0, Pending: 1, Active: 2, Revealing: 3, Ended: 4, Cancelled: 5, Passed: 6, Rejected: 7, QuorumNotReached: 8, Executed: 9 } as const;
const SKIP = { AlreadyVoted: 0, NotMember: 1, Flagged: 2, NoWeight: 3 } as const;
const WINDOW = 1000;
const DAY = 24 * 3600;
const NO_ACTION = { target: zeroAddress, value: 0n, data: "0x" as Hex };

/** Lower-cases addresses (deeply) so event args compare with wallet addresses. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function lc(value: unknown): any {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(lc);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)]));
  return value;
}
const addr = (w: WalletClient) => w.account!.address;
/** VotesCast packs the counted ballots' options one byte each. */
const packed = (options: readonly number[]): Hex => toHex(Uint8Array.from(options));

interface Params {
  swarmId: bigint;
  descriptionURI: string;
  descriptionHash: Hex;
  optionCount: number;
  voteStart: number;
  voteEnd: number;
  revealEnd: number;
  votingMode: number;
  weighting: number;
  quorumBps: number;
  thresholdKind: number;
  thresholdBps: number;
  excludeFlagged: boolean;
  action: { target: Address; value: bigint; data: Hex };
}

async function deploy() {
  const { viem, networkHelpers } = await network.create();
  const wallets = await viem.getWalletClients();
  const owner = wallets[0]!;
  const members = wallets.slice(1, 10);
  const outsider = wallets[15]!;
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner.account });
  for (const w of members) await registry.write.join([S1, ""], { account: w.account });
  await registry.write.createSwarm([OPEN, []], { account: wallets[10]!.account });
  const staking = await viem.deployContract("Staking", [registry.address], { client: { wallet: owner } });
  const proposals = await viem.deployContract("Proposals", [registry.address, staking.address]);
  await staking.write.setBallotSource([proposals.address, true], { account: owner.account });
  const domain = proposalsDomain(chainId, proposals.address);

  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: proposals.abi, logs: receipt.logs }) };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  const params = async (over: Partial<Params> = {}): Promise<Params> => ({
    swarmId: S1,
    descriptionURI: "ipfs://proposal",
    descriptionHash: keccak256(toHex("proposal")),
    optionCount: 2,
    voteStart: 0,
    voteEnd: (await now()) + WINDOW,
    revealEnd: 0,
    votingMode: MODE.Open,
    weighting: WEIGHT.Head,
    quorumBps: 5000,
    thresholdKind: THRESHOLD.Majority,
    thresholdBps: 0,
    excludeFlagged: false,
    action: NO_ACTION,
    ...over,
  });
  /** Creates a proposal (by `by`, default owner) and returns its id. */
  const create = async (over: Partial<Params> = {}, by: WalletClient = owner, value = 0n) => {
    const { events } = await send(proposals.write.create([await params(over)], { account: by.account, value }));
    return (events.find((e) => e.eventName === "ProposalCreated")!.args as { proposalId: bigint }).proposalId;
  };
  const vote = (id: bigint, option: number, w: WalletClient) => send(proposals.write.castVote([id, option], { account: w.account }));
  const signBallot = (w: WalletClient | PrivateKeyAccount, id: bigint, option: number, d = domain) =>
    signProposalBallot(w as WalletClient, d, { proposalId: id, option, voter: "address" in w ? w.address : addr(w) });
  const closeVoting = async (id: bigint) => {
    const cfg = await proposals.read.proposalConfig([id]);
    const end = cfg.votingMode === MODE.CommitReveal ? cfg.revealEnd : cfg.voteEnd;
    if ((await now()) <= end) await networkHelpers.time.increaseTo(end + 1);
  };
  const conflictKey = (swarmId: bigint, id: bigint, voter: Address) =>
    keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }], [proposals.address, swarmId, id, voter]));
  const balance = (a: Address) => publicClient.getBalance({ address: a });
  return { viem, networkHelpers, publicClient, chainId, registry, staking, proposals, domain, wallets, owner, members, outsider, send, now, params, create, vote, signBallot, closeVoting, conflictKey, balance };
}

type Env = Awaited<ReturnType<typeof deploy>>;

describe("Proposals: create", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("exposes registry, staking, constants and the EIP-712 domain; rejects zero addresses", async () => {
    const { viem, proposals, registry, staking, chainId } = env;
    await expect(viem.deployContract("Proposals", [zeroAddress, staking.address])).rejects.toThrow(/ProposalsZeroAddress/);
    await expect(viem.deployContract("Proposals", [registry.address, zeroAddress])).rejects.toThrow(/ProposalsZeroAddress/);
    expect(lc(await proposals.read.registry())).toBe(lc(registry.address));
    expect(lc(await proposals.read.staking())).toBe(lc(staking.address));
    expect(await proposals.read.MAX_OPTIONS()).toBe(16);
    expect(await proposals.read.MAX_VOTING_PERIOD()).toBe(365 * DAY);
    expect(await proposals.read.EXECUTION_PERIOD()).toBe(30 * DAY);
    expect(await proposals.read.PROPOSAL_BALLOT_TYPEHASH()).toBe(keccak256(toHex("ProposalBallot(uint256 proposalId,uint8 option,address voter)")));
    const [, name, version, cid, verifying] = await proposals.read.eip712Domain();
    expect([name, version, Number(cid), lc(verifying)]).toEqual(["Concord Proposals", "1", chainId, lc(proposals.address)]);
  });

  it("creates with the full config in the event (voteStart resolved, denominator = memberCount)", async () => {
    const { proposals, params, send, owner } = env;
    const p = await params({ optionCount: 3, quorumBps: 2500, thresholdKind: THRESHOLD.Supermajority, thresholdBps: 6000 });
    const { events, receipt } = await send(proposals.write.create([p], { account: owner.account }));
    const t = Number((await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
    const config = {
      swarmId: S1, proposer: addr(owner), optionCount: 3, voteStart: t, voteEnd: p.voteEnd, revealEnd: 0, votingMode: MODE.Open, weighting: WEIGHT.Head,
      quorumBps: 2500, thresholdKind: THRESHOLD.Supermajority, thresholdBps: 6000, excludeFlagged: false, denominator: 10n, actionHash: toHex(0, { size: 32 }), value: 0n,
    };
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([["ProposalCreated", { proposalId: 1n, swarmId: S1, proposer: addr(owner), config, descriptionURI: p.descriptionURI, descriptionHash: p.descriptionHash, action: NO_ACTION }]]),
    );
    expect(lc(await proposals.read.proposalConfig([1n]))).toEqual(lc(config));
    expect(await proposals.read.proposalCount()).toBe(1n);
    expect(await proposals.read.state([1n])).toBe(STATE.Active);
    expect(await proposals.read.tallies([1n])).toEqual([[0n, 0n, 0n], 0n]);
    expect(await proposals.read.outcome([1n])).toEqual([OUTCOME.None, 0]);
    expect(await proposals.read.state([99n])).toBe(STATE.None);
    await expectRevert(proposals.read.proposalConfig([99n]), "ProposalsUnknownProposal", [99n]);
    await expectRevert(proposals.read.tallies([99n]), "ProposalsUnknownProposal", [99n]);
  });

  it("rejects non-members, bad option counts, windows, quorum, thresholds and actions", async () => {
    const { proposals, params, owner, outsider, now } = env;
    const c = async (over: Partial<Params>, value = 0n, by: WalletClient = owner) => proposals.write.create([await params(over)], { account: by.account, value });
    await expectRevert(c({}, 0n, outsider), "ProposalsNotMember", [S1, addr(outsider)]);
    await expectRevert(c({ swarmId: 77n }), "ProposalsNotMember", [77n, addr(owner)]);
    await expectRevert(c({ optionCount: 1 }), "ProposalsInvalidOptionCount", [1n, 16n]);
    await expectRevert(c({ optionCount: 17 }), "ProposalsInvalidOptionCount", [17n, 16n]);
    const t = await now();
    await expectRevert(c({ voteStart: t - 10, voteEnd: t + 100 }), "ProposalsInvalidWindow", [t - 10, t + 100, 0]);
    await expectRevert(c({ voteStart: t + 100, voteEnd: t + 100 }), "ProposalsInvalidWindow", [t + 100, t + 100, 0]);
    await expectRevert(c({ voteStart: t + 10, voteEnd: t + 10 + 365 * DAY + 1 }), "ProposalsInvalidWindow", [t + 10, t + 10 + 365 * DAY + 1, 0]);
    await expectRevert(c({ voteEnd: t + 100, revealEnd: t + 200 }), "ProposalsInvalidWindow", [0, t + 100, t + 200]);
    await expectRevert(c({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 100 }), "ProposalsInvalidWindow", [0, t + 100, t + 100]);
    await expectRevert(c({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 101 + 365 * DAY }), "ProposalsInvalidWindow", [0, t + 100, t + 101 + 365 * DAY]);
    await expectRevert(c({ quorumBps: 10_001 }), "ProposalsInvalidQuorum", [10_001]);
    await expectRevert(c({ thresholdKind: THRESHOLD.Supermajority, thresholdBps: 5000 }), "ProposalsInvalidThreshold", [THRESHOLD.Supermajority, 5000]);
    await expectRevert(c({ thresholdKind: THRESHOLD.Supermajority, thresholdBps: 10_001 }), "ProposalsInvalidThreshold", [THRESHOLD.Supermajority, 10_001]);
    await expectRevert(c({ thresholdKind: THRESHOLD.Majority, thresholdBps: 1 }), "ProposalsInvalidThreshold", [THRESHOLD.Majority, 1]);
    await expectRevert(c({ thresholdKind: THRESHOLD.Unanimity, thresholdBps: 6000 }), "ProposalsInvalidThreshold", [THRESHOLD.Unanimity, 6000]);
    const target = addr(outsider);
    await expectRevert(c({}, 5n), "ProposalsInvalidAction", [zeroAddress, 0n, 5n]);
    await expectRevert(c({ action: { target: zeroAddress, value: 5n, data: "0x" } }, 5n), "ProposalsInvalidAction", [zeroAddress, 5n, 5n]);
    await expectRevert(c({ action: { target: zeroAddress, value: 0n, data: "0x12" } }), "ProposalsInvalidAction", [zeroAddress, 0n, 0n]);
    await expectRevert(c({ action: { target, value: 5n, data: "0x" } }, 4n), "ProposalsInvalidAction", [target, 5n, 4n]);
    await expectRevert(c({ action: { target: proposals.address, value: 0n, data: "0x" } }), "ProposalsInvalidAction", [proposals.address, 0n, 0n]);
    await expectRevert(c({ weighting: WEIGHT.Stake }), "ProposalsNoElectorate", [S1]);
  });

  it("a future voteStart makes the proposal Pending; votes before it are rejected", async () => {
    const { proposals, create, now, members, networkHelpers } = env;
    const t = await now();
    const id = await create({ voteStart: t + 100, voteEnd: t + 200 });
    expect(await proposals.read.state([id])).toBe(STATE.Pending);
    await expectRevert(proposals.write.castVote([id, 0], { account: members[0]!.account }), "ProposalsWrongState", [id, STATE.Pending]);
    await networkHelpers.time.increaseTo(t + 100);
    expect(await proposals.read.state([id])).toBe(STATE.Active);
    await env.vote(id, 0, members[0]!);
  });
});

describe("Proposals: castVote", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("counts one vote per member, emits VoteCast, tracks hasVoted", async () => {
    const { proposals, create, vote, members } = env;
    const id = await create({ optionCount: 3 });
    const { events } = await vote(id, 2, members[0]!);
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VoteCast", { proposalId: id, voter: addr(members[0]!), option: 2, weight: 1n }]]));
    await vote(id, 2, members[1]!);
    await vote(id, 0, members[2]!);
    expect(await proposals.read.tallies([id])).toEqual([[1n, 0n, 2n], 3n]);
    expect(await proposals.read.hasVoted([id, addr(members[0]!)])).toBe(true);
    expect(await proposals.read.hasVoted([id, addr(members[5]!)])).toBe(false);
    expect(await proposals.read.hasVoted([id + 1n, addr(members[0]!)])).toBe(false);
  });

  it("rejects double votes, non-members, invalid options, unknown proposals, commit-reveal proposals, votes after the window", async () => {
    const { proposals, create, vote, members, outsider, networkHelpers } = env;
    const id = await create({ optionCount: 3 });
    await vote(id, 1, members[0]!);
    await expectRevert(proposals.write.castVote([id, 0], { account: members[0]!.account }), "ProposalsAlreadyVoted", [id, addr(members[0]!)]);
    await expectRevert(proposals.write.castVote([id, 1], { account: outsider.account }), "ProposalsNotMember", [S1, addr(outsider)]);
    await expectRevert(proposals.write.castVote([id, 3], { account: members[1]!.account }), "ProposalsInvalidOption", [id, 3, 3]);
    await expectRevert(proposals.write.castVote([999n, 0], { account: members[1]!.account }), "ProposalsUnknownProposal", [999n]);
    const t = await env.now();
    const cr = await create({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 200 });
    await expectRevert(proposals.write.castVote([cr, 0], { account: members[1]!.account }), "ProposalsWrongVotingMode", [cr, MODE.CommitReveal]);
    const cfg = await proposals.read.proposalConfig([id]);
    await networkHelpers.time.setNextBlockTimestamp(cfg.voteEnd); // the last second of the window still counts
    await vote(id, 1, members[1]!);
    await expectRevert(proposals.write.castVote([id, 1], { account: members[2]!.account }), "ProposalsWrongState", [id, STATE.Ended]);
  });

  it("stake weighting counts stakeOf; zero stake is rejected; excludeFlagged rejects slashed members", async () => {
    const { proposals, staking, create, vote, members, signBallot, send } = env;
    for (const [i, amount] of [[0, 40n], [1, 35n], [2, 25n]] as const) await staking.write.stake([S1, amount], { account: members[i]!.account, value: amount });
    const id = await create({ weighting: WEIGHT.Stake, excludeFlagged: true });
    expect((await proposals.read.proposalConfig([id])).denominator).toBe(100n);
    const { events } = await vote(id, 1, members[0]!);
    expect(events[0]!.args).toMatchObject({ option: 1, weight: 40n });
    await expectRevert(proposals.write.castVote([id, 1], { account: members[5]!.account }), "ProposalsNoWeight", [id, addr(members[5]!)]);
    // members[1] equivocates on another proposal and is slashed -> flagged
    const other = await create();
    const a = await signBallot(members[1]!, other, 0);
    const b = await signBallot(members[1]!, other, 1);
    await send(staking.write.slash([{ source: proposals.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    expect(await staking.read.isFlagged([S1, addr(members[1]!)])).toBe(true);
    await expectRevert(proposals.write.castVote([id, 0], { account: members[1]!.account }), "ProposalsVoterFlagged", [id, addr(members[1]!)]);
    // without excludeFlagged a flagged member can vote by head
    const head = await create({ weighting: WEIGHT.Head, excludeFlagged: false });
    await vote(head, 0, members[1]!);
    expect(await proposals.read.tallies([head])).toEqual([[1n, 0n], 1n]);
  });
});

describe("Proposals: castVotesBySig", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("counts a batch of signed ballots, relayed by anyone, with one VotesCast event", async () => {
    const { proposals, create, members, signBallot, send, outsider } = env;
    const id = await create({ optionCount: 4 });
    const options = [0, 3, 3, 1, 2, 3];
    const signed = await Promise.all(options.map((o, i) => signBallot(members[i]!, id, o)));
    const { ballots, signatures } = batchArgs(signed);
    const { events } = await send(proposals.write.castVotesBySig([id, ballots, signatures], { account: outsider.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([["VotesCast", { proposalId: id, voters: members.slice(0, 6).map(addr), options: packed(options), weights: [] }]]), // head: no weights
    );
    expect(await proposals.read.tallies([id])).toEqual([[1n, 1n, 1n, 3n], 6n]);
    expect(await proposals.read.hashBallot([id, 3, addr(members[1]!)])).toBe(signed[1]!.digest);
  });

  it("skips voters who already voted (also twice in one batch), non-members, flagged and zero-stake voters", async () => {
    const { proposals, staking, create, vote, members, outsider, signBallot, send } = env;
    await staking.write.stake([S1, 10n], { account: members[0]!.account, value: 10n });
    await staking.write.stake([S1, 20n], { account: members[1]!.account, value: 20n });
    await staking.write.stake([S1, 5n], { account: members[2]!.account, value: 5n });
    const id = await create({ weighting: WEIGHT.Stake, excludeFlagged: true, quorumBps: 0 });
    await vote(id, 0, members[0]!);
    // flag members[2] through equivocation on another proposal
    const other = await create();
    const [a, b] = [await signBallot(members[2]!, other, 0), await signBallot(members[2]!, other, 1)];
    await send(staking.write.slash([{ source: proposals.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    const signed = [
      await signBallot(members[0]!, id, 1), // already voted directly
      await signBallot(members[1]!, id, 1), // counts (20)
      await signBallot(members[1]!, id, 0), // same voter again in the batch
      await signBallot(outsider, id, 1), // not a member
      await signBallot(members[2]!, id, 1), // flagged
      await signBallot(members[3]!, id, 1), // no stake
    ];
    const { ballots, signatures } = batchArgs(signed);
    const result = await proposals.simulate.castVotesBySig([id, ballots, signatures]);
    expect(result.result).toBe(1n);
    const { events } = await send(proposals.write.castVotesBySig([id, ballots, signatures]));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([
        ["VoteSkipped", { proposalId: id, voter: addr(members[0]!), reason: SKIP.AlreadyVoted }],
        ["VoteSkipped", { proposalId: id, voter: addr(members[1]!), reason: SKIP.AlreadyVoted }],
        ["VoteSkipped", { proposalId: id, voter: addr(outsider), reason: SKIP.NotMember }],
        ["VoteSkipped", { proposalId: id, voter: addr(members[2]!), reason: SKIP.Flagged }],
        ["VoteSkipped", { proposalId: id, voter: addr(members[3]!), reason: SKIP.NoWeight }],
        ["VotesCast", { proposalId: id, voters: [addr(members[1]!)], options: packed([1]), weights: [20n] }],
      ]),
    );
    expect(await proposals.read.tallies([id])).toEqual([[10n, 20n], 30n]);
    // resubmitting the same batch counts nothing and changes nothing
    const again = await send(proposals.write.castVotesBySig([id, ballots, signatures]));
    expect(again.events.every((e) => e.eventName === "VoteSkipped")).toBe(true);
    expect(await proposals.read.tallies([id])).toEqual([[10n, 20n], 30n]);
    expect(await proposals.read.hasVoted([id, addr(outsider)])).toBe(false);
  });

  it("reverts on a ballot replayed from another proposal, option, chain or contract, or forged", async () => {
    const { proposals, create, members, signBallot, domain, staking } = env;
    const id = await create({ optionCount: 3 });
    const other = await create({ optionCount: 3 });
    const good = await Promise.all(members.slice(0, 4).map((w) => signBallot(w, id, 1)));
    const v = addr(members[2]!);
    const tryWith = async (bad: SignedProposalBallot) => {
      const { ballots, signatures } = batchArgs(good.map((g, i) => (i === 2 ? { ...g, signature: bad.signature } : g)));
      await expectRevert(proposals.write.castVotesBySig([id, ballots, signatures]), "ProposalsInvalidSignature", [id, v, 1]);
    };
    await tryWith(await signBallot(members[2]!, other, 1)); // another proposal
    await tryWith(await signBallot(members[2]!, id, 2)); // another option
    await tryWith(await signBallot(members[2]!, id, 1, { ...domain, chainId: Number(domain.chainId) + 1 })); // another chain
    await tryWith(await signBallot(members[2]!, id, 1, { ...domain, verifyingContract: staking.address })); // another contract
    await tryWith(await signProposalBallot(members[3]!, domain, { proposalId: id, option: 1, voter: v })); // forged by someone else
    await tryWith({ ...good[2]!, signature: "0x1234" }); // malformed
    // bad option, count mismatch, empty batch
    const { ballots, signatures } = batchArgs(good);
    await expectRevert(proposals.write.castVotesBySig([id, [{ voter: v, option: 3 }], [signatures[2]!]]), "ProposalsInvalidOption", [id, 3, 3]);
    await expectRevert(proposals.write.castVotesBySig([id, ballots, signatures.slice(1)]), "ProposalsBallotCountMismatch", [4n, 3n]);
    await expectRevert(proposals.write.castVotesBySig([id, [], []]), "ProposalsBallotCountMismatch", [0n, 0n]);
    // nothing was counted by the reverted calls
    expect(await proposals.read.tallies([id])).toEqual([[0n, 0n, 0n], 0n]);
    await env.send(proposals.write.castVotesBySig([id, ballots, signatures]));
    expect(await proposals.read.tallies([id])).toEqual([[0n, 4n, 0n], 4n]);
  });

  it("accepts EIP-1271 smart-account ballots; rejects batches on commit-reveal proposals and after the window", async () => {
    const { viem, proposals, registry, create, members, signBallot, domain, send, networkHelpers, now } = env;
    const key = members[8]!;
    const wallet = await viem.deployContract("MockERC1271Wallet", [addr(key)]);
    await wallet.write.execute([registry.address, 0n, encodeFunctionData({ abi: registry.abi, functionName: "join", args: [S1, ""] })], { account: key.account });
    const id = await create();
    const sc = await signProposalBallot(key, domain, { proposalId: id, option: 1, voter: wallet.address });
    const { events } = await send(proposals.write.castVotesBySig([id, [{ voter: wallet.address, option: 1 }], [sc.signature]]));
    expect(lc(events[0]!.args)).toEqual(lc({ proposalId: id, voters: [wallet.address], options: packed([1]), weights: [] }));
    const notOwner = await signProposalBallot(members[7]!, domain, { proposalId: id, option: 0, voter: wallet.address });
    const id2 = await create();
    await expectRevert(proposals.write.castVotesBySig([id2, [{ voter: wallet.address, option: 0 }], [notOwner.signature]]), "ProposalsInvalidSignature", [id2, wallet.address, 0]);
    const t = await now();
    const cr = await create({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 200 });
    const b = await signBallot(members[0]!, cr, 0);
    await expectRevert(proposals.write.castVotesBySig([cr, [{ voter: addr(members[0]!), option: 0 }], [b.signature]]), "ProposalsWrongVotingMode", [cr, MODE.CommitReveal]);
    await networkHelpers.time.increase(WINDOW + 1);
    const late = await signBallot(members[0]!, id, 0);
    await expectRevert(proposals.write.castVotesBySig([id, [{ voter: addr(members[0]!), option: 0 }], [late.signature]]), "ProposalsWrongState", [id, STATE.Ended]);
  });
});

describe("Proposals: member indexes (has-voted bitmap), rejoining, compact signatures, large batches", () => {
  /** 64-byte EIP-2098 form (r, yParity << 255 | s) of a 65-byte signature. */
  const compact = (sig: Hex): Hex => {
    const r = sig.slice(2, 66);
    const sWord = BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130, 132), 16);
    return `0x${r}${((BigInt(v - 27) << 255n) | sWord).toString(16).padStart(64, "0")}`;
  };
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n; // secp256k1 order

  it("a member who voted, left and rejoined keeps its index: cannot vote again directly, by signature or by commit", async () => {
    const { proposals, registry, create, vote, members, signBallot, send, now } = await deploy();
    const m = members[4]!;
    const before = await registry.read.memberIndex([S1, addr(m)]);
    const id = await create();
    await vote(id, 1, m);
    await registry.write.leave([S1], { account: m.account });
    expect(await proposals.read.hasVoted([id, addr(m)])).toBe(true); // still known after leaving
    // a former member's ballot is not counted (valid signature -> skipped as NotMember)...
    const ballot = await signBallot(m, id, 0);
    const left = await send(proposals.write.castVotesBySig([id, [{ voter: addr(m), option: 0 }], [ballot.signature]]));
    expect(lc(left.events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VoteSkipped", { proposalId: id, voter: addr(m), reason: SKIP.NotMember }]]));
    // ...and a former member's forged ballot still reverts
    const forged = await signBallot(members[5]!, id, 0);
    await expectRevert(proposals.write.castVotesBySig([id, [{ voter: addr(m), option: 0 }], [forged.signature]]), "ProposalsInvalidSignature", [id, addr(m), 0]);
    await registry.write.join([S1, ""], { account: m.account });
    expect(await registry.read.memberIndex([S1, addr(m)])).toBe(before);
    await expectRevert(proposals.write.castVote([id, 0], { account: m.account }), "ProposalsAlreadyVoted", [id, addr(m)]);
    const again = await send(proposals.write.castVotesBySig([id, [{ voter: addr(m), option: 0 }], [ballot.signature]]));
    expect(lc(again.events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VoteSkipped", { proposalId: id, voter: addr(m), reason: SKIP.AlreadyVoted }]]));
    expect(await proposals.read.tallies([id])).toEqual([[0n, 1n], 1n]);

    // commit-reveal: committing, leaving, rejoining and committing again is refused
    const t = await now();
    const cr = await create({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 200 });
    const c = voteCommitment(cr, 1, keccak256(toHex("salt")), addr(m));
    await send(proposals.write.commitVote([cr, c], { account: m.account }));
    await registry.write.leave([S1], { account: m.account });
    await expectRevert(proposals.write.commitVote([cr, c], { account: m.account }), "ProposalsNotMember", [S1, addr(m)]);
    await registry.write.join([S1, ""], { account: m.account });
    await expectRevert(proposals.write.commitVote([cr, c], { account: m.account }), "ProposalsAlreadyVoted", [cr, addr(m)]);
  });

  it("hasVoted: false for unknown proposals, never-joined accounts and members who did not vote", async () => {
    const { proposals, create, vote, members, outsider, wallets } = await deploy();
    const id = await create();
    await vote(id, 0, members[0]!);
    expect(await proposals.read.hasVoted([id, addr(members[0]!)])).toBe(true);
    expect(await proposals.read.hasVoted([id, addr(members[1]!)])).toBe(false);
    expect(await proposals.read.hasVoted([id, addr(outsider)])).toBe(false);
    expect(await proposals.read.hasVoted([id + 7n, addr(members[0]!)])).toBe(false);
    // another swarm's member with the same index did not vote here
    const other = await create({ swarmId: S2 }, wallets[10]!);
    expect(await proposals.read.hasVoted([other, addr(members[0]!)])).toBe(false);
  });

  it("accepts 64-byte EIP-2098 signatures next to 65-byte ones; rejects high-s, bad v and wrong lengths", async () => {
    const { proposals, create, members, signBallot, send } = await deploy();
    const id = await create({ optionCount: 3 });
    const signed = await Promise.all(members.slice(0, 4).map((w, i) => signBallot(w, id, i % 3)));
    const { ballots, signatures } = batchArgs(signed);
    const mixed = signatures.map((sig, i) => (i % 2 === 0 ? compact(sig) : sig));
    expect(mixed[0]!.length).toBe(2 + 128);
    const { events } = await send(proposals.write.castVotesBySig([id, ballots, mixed]));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VotesCast", { proposalId: id, voters: members.slice(0, 4).map(addr), options: packed([0, 1, 2, 0]), weights: [] }]]));
    expect(await proposals.read.tallies([id])).toEqual([[2n, 1n, 1n], 4n]);

    const id2 = await create();
    const b = await signBallot(members[5]!, id2, 1);
    const v = addr(members[5]!);
    const sig = b.signature;
    const sWord = BigInt(`0x${sig.slice(66, 130)}`);
    const vByte = parseInt(sig.slice(130, 132), 16);
    const highS: Hex = `0x${sig.slice(2, 66)}${(N - sWord).toString(16).padStart(64, "0")}${(vByte === 27 ? 28 : 27).toString(16)}`;
    const badV: Hex = `0x${sig.slice(2, 130)}1d`; // v = 29
    const badLength: Hex = `${sig}00`; // 66 bytes
    for (const bad of [highS, badV, badLength, compact(sig).slice(0, 128) as Hex, "0x" as Hex]) {
      await expectRevert(proposals.write.castVotesBySig([id2, [{ voter: v, option: 1 }], [bad]]), "ProposalsInvalidSignature", [id2, v, 1]);
    }
    // the well-formed compact signature still counts
    await send(proposals.write.castVotesBySig([id2, [{ voter: v, option: 1 }], [compact(sig)]]));
    expect(await proposals.read.hasVoted([id2, v])).toBe(true);
  });

  it("excludeFlagged with nobody flagged counts everyone (flaggedCount shortcut); once someone is, only they are skipped", async () => {
    const { proposals, staking, create, members, signBallot, send } = await deploy();
    const id = await create({ excludeFlagged: true, quorumBps: 0 });
    const first = batchArgs(await Promise.all(members.slice(0, 3).map((w) => signBallot(w, id, 1))));
    await send(proposals.write.castVotesBySig([id, first.ballots, first.signatures]));
    expect(await proposals.read.tallies([id])).toEqual([[0n, 3n], 3n]);
    const other = await create();
    const [a, b] = [await signBallot(members[3]!, other, 0), await signBallot(members[3]!, other, 1)];
    await send(staking.write.slash([{ source: proposals.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    expect(await staking.read.flaggedCount([S1])).toBe(1n);
    const second = batchArgs(await Promise.all(members.slice(3, 6).map((w) => signBallot(w, id, 0))));
    const { events } = await send(proposals.write.castVotesBySig([id, second.ballots, second.signatures]));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([
        ["VoteSkipped", { proposalId: id, voter: addr(members[3]!), reason: SKIP.Flagged }],
        ["VotesCast", { proposalId: id, voters: [addr(members[4]!), addr(members[5]!)], options: packed([0, 0]), weights: [] }],
      ]),
    );
    expect(await proposals.read.tallies([id])).toEqual([[2n, 3n], 5n]);
  });

  it("a batch spanning several bitmap words (member indexes past 256), in any order, counts each member once", async () => {
    const { proposals, registry, networkHelpers, create, signBallot, send } = await deploy();
    const extra: PrivateKeyAccount[] = Array.from({ length: 262 }, (_, i) => privateKeyToAccount(keccak256(toHex(`concord-words-${i}`))));
    for (const v of extra) {
      await networkHelpers.impersonateAccount(v.address);
      await networkHelpers.setBalance(v.address, 10n ** 18n);
      await registry.write.join([S1, ""], { account: v.address });
    }
    const last = extra[extra.length - 1]!;
    expect(await registry.read.memberIndex([S1, last.address])).toBe(272n); // word 1
    const id = await create({ quorumBps: 0 });
    // word 1, word 0, word 1 again (duplicate), word 0 again (duplicate after a word switch), word 0, word 1
    const order = [extra[261]!, extra[0]!, extra[261]!, extra[0]!, extra[100]!, extra[250]!, extra[245]!];
    const signed = await Promise.all(order.map((v, i) => signBallot(v, id, i % 2)));
    const { ballots, signatures } = batchArgs(signed);
    const { events } = await send(proposals.write.castVotesBySig([id, ballots, signatures]));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([
        ["VoteSkipped", { proposalId: id, voter: extra[261]!.address, reason: SKIP.AlreadyVoted }],
        ["VoteSkipped", { proposalId: id, voter: extra[0]!.address, reason: SKIP.AlreadyVoted }],
        ["VotesCast", { proposalId: id, voters: [extra[261]!, extra[0]!, extra[100]!, extra[250]!, extra[245]!].map((a) => a.address), options: packed([0, 1, 0, 1, 0]), weights: [] }],
      ]),
    );
    for (const v of extra) expect(await proposals.read.hasVoted([id, v.address])).toBe([0, 100, 245, 250, 261].includes(extra.indexOf(v)));
    expect(await proposals.read.tallies([id])).toEqual([[3n, 2n], 5n]);
    // a direct vote after the batch sees the batch's bits in storage (both words were flushed)
    await expectRevert(proposals.write.castVote([id, 0], { account: extra[261]!.address }), "ProposalsAlreadyVoted", [id, extra[261]!.address]);
    await expectRevert(proposals.write.castVote([id, 0], { account: extra[245]!.address }), "ProposalsAlreadyVoted", [id, extra[245]!.address]);
    await send(proposals.write.castVote([id, 0], { account: extra[246]!.address }));
    expect(await proposals.read.tallies([id])).toEqual([[4n, 2n], 6n]);
  });

  it("a batch mixing an EIP-1271 smart account and a non-member between EOAs counts in order and resumes the fast path", async () => {
    const { viem, proposals, registry, create, members, outsider, signBallot, domain, send } = await deploy();
    const key = members[8]!;
    const wallet = await viem.deployContract("MockERC1271Wallet", [addr(key)]);
    await wallet.write.execute([registry.address, 0n, encodeFunctionData({ abi: registry.abi, functionName: "join", args: [S1, ""] })], { account: key.account });
    const id = await create({ optionCount: 3 });
    const sc = await signProposalBallot(key, domain, { proposalId: id, option: 2, voter: wallet.address });
    const signed = [await signBallot(members[0]!, id, 0), sc, await signBallot(outsider, id, 1), await signBallot(members[1]!, id, 1), await signBallot(members[2]!, id, 2)];
    const { ballots, signatures } = batchArgs(signed);
    const { events } = await send(proposals.write.castVotesBySig([id, ballots, signatures]));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([
        ["VoteSkipped", { proposalId: id, voter: addr(outsider), reason: SKIP.NotMember }],
        ["VotesCast", { proposalId: id, voters: [addr(members[0]!), wallet.address, addr(members[1]!), addr(members[2]!)], options: packed([0, 2, 1, 2]), weights: [] }],
      ]),
    );
    expect(await proposals.read.tallies([id])).toEqual([[1n, 1n, 2n], 4n]);
  });

  it("stake tallies are bounded to 128 bits: a batch pushing an option past it reverts and counts nothing", async () => {
    const { viem, proposals, registry, staking, create, members, owner, signBallot, send } = await deploy();
    const token = await viem.deployContract("MockERC20", ["Stake", "STK"]);
    await staking.write.setStakeToken([S1, token.address], { account: owner.account });
    const max = 2n ** 128n - 1n;
    const stakeMax = async (m: WalletClient) => {
      await token.write.mint([addr(m), max]);
      await token.write.approve([staking.address, max], { account: m.account });
      await staking.write.stake([S1, max], { account: m.account });
    };
    void registry;
    await stakeMax(members[0]!);
    // the denominator (total stake at creation) must fit 128 bits; stake may grow after creation
    const id = await create({ weighting: WEIGHT.Stake, quorumBps: 0 });
    await stakeMax(members[1]!);
    const both = batchArgs([await signBallot(members[0]!, id, 1), await signBallot(members[1]!, id, 1)]);
    await expectRevert(proposals.write.castVotesBySig([id, both.ballots, both.signatures]), "ProposalsTallyOverflow", [id, 1]);
    const one = batchArgs([await signBallot(members[0]!, id, 1)]);
    await send(proposals.write.castVotesBySig([id, one.ballots, one.signatures]));
    expect(await proposals.read.tallies([id])).toEqual([[0n, max], max]);
    await expectRevert(proposals.write.castVote([id, 1], { account: members[1]!.account }), "ProposalsTallyOverflow", [id, 1]);
  });

  it("exposes the evidence checker it deployed, which answers for this contract's ballots", async () => {
    const { viem, proposals, create, members, signBallot, conflictKey } = await deploy();
    const checker = await proposals.read.evidenceChecker();
    const helper = await viem.getContractAt("ProposalsEvidence", checker);
    expect(lc(await helper.read.proposals())).toBe(lc(proposals.address));
    const id = await create();
    const [a, b] = [await signBallot(members[0]!, id, 0), await signBallot(members[0]!, id, 1)];
    const viaProposals = await proposals.read.checkEquivocation([a.encoded, a.signature, b.encoded, b.signature]);
    expect(lc(await helper.read.checkEquivocation([a.encoded, a.signature, b.encoded, b.signature]))).toEqual(lc(viaProposals));
    expect(lc(viaProposals)).toEqual(lc([S1, addr(members[0]!), conflictKey(S1, id, addr(members[0]!))]));
  });

  it("a batch with a malformed option word (not a uint8) reverts", async () => {
    const { proposals, create, members, signBallot, publicClient, owner } = await deploy();
    const id = await create();
    const b = await signBallot(members[0]!, id, 1);
    const data = encodeFunctionData({ abi: proposals.abi, functionName: "castVotesBySig", args: [id, [{ voter: addr(members[0]!), option: 1 }], [b.signature]] });
    // the option word is the 5th word after the selector (id, ballots offset, signatures offset, length, voter, option)
    const words = data.slice(10);
    const optionAt = 10 + 64 * 5;
    const dirty = `${data.slice(0, optionAt)}${"01".padStart(64, "f")}${data.slice(optionAt + 64)}` as Hex;
    expect(words.length % 64).toBe(0);
    await expect(publicClient.call({ to: proposals.address, data: dirty, account: addr(owner) })).rejects.toThrow();
    await expect(publicClient.call({ to: proposals.address, data, account: addr(owner) })).resolves.toBeDefined();
  });
});

describe("Proposals: commit-reveal", () => {
  let env: Env;
  let id: bigint;
  let t: number;
  const salt = (i: number) => keccak256(toHex(`salt-${i}`));
  beforeAll(async () => {
    env = await deploy();
    t = await env.now();
    id = await env.create({ votingMode: MODE.CommitReveal, voteEnd: t + 100, revealEnd: t + 200, optionCount: 3, quorumBps: 0 });
  });

  it("commitVote: members only, once, non-zero commitment, during the window; emits VoteCommitted", async () => {
    const { proposals, members, outsider, send } = env;
    const c0 = voteCommitment(id, 2, salt(0), addr(members[0]!));
    expect(await proposals.read.computeCommitment([id, 2, salt(0), addr(members[0]!)])).toBe(c0);
    const { events } = await send(proposals.write.commitVote([id, c0], { account: members[0]!.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VoteCommitted", { proposalId: id, voter: addr(members[0]!), commitment: c0 }]]));
    expect(await proposals.read.commitmentOf([id, addr(members[0]!)])).toBe(c0);
    expect(await proposals.read.hasVoted([id, addr(members[0]!)])).toBe(true);
    await expectRevert(proposals.write.commitVote([id, c0], { account: members[0]!.account }), "ProposalsAlreadyVoted", [id, addr(members[0]!)]);
    await expectRevert(proposals.write.commitVote([id, c0], { account: outsider.account }), "ProposalsNotMember", [S1, addr(outsider)]);
    await expectRevert(proposals.write.commitVote([id, toHex(0, { size: 32 })], { account: members[1]!.account }), "ProposalsInvalidCommitment", [id]);
    for (const [i, option] of [[1, 2], [2, 1], [3, 0], [4, 2]] as const) {
      await send(proposals.write.commitVote([id, voteCommitment(id, option, salt(i), addr(members[i]!))], { account: members[i]!.account }));
    }
    // reveal is not open yet; cancel is refused now that there are commits
    await expectRevert(proposals.write.reveal([id, 2, salt(0)], { account: members[0]!.account }), "ProposalsWrongState", [id, STATE.Active]);
    await expectRevert(proposals.write.cancel([id], { account: env.owner.account }), "ProposalsHasVotes", [id]);
    const open = await env.create();
    await expectRevert(proposals.write.commitVote([open, c0], { account: members[0]!.account }), "ProposalsWrongVotingMode", [open, MODE.Open]);
  });

  it("reveal: counts only a matching reveal, once, in the reveal window", async () => {
    const { proposals, members, send, networkHelpers } = env;
    await networkHelpers.time.increaseTo(t + 101);
    expect(await proposals.read.state([id])).toBe(STATE.Revealing);
    await expectRevert(proposals.write.commitVote([id, salt(9)], { account: members[6]!.account }), "ProposalsWrongState", [id, STATE.Revealing]);
    const { events } = await send(proposals.write.reveal([id, 2, salt(0)], { account: members[0]!.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["VoteRevealed", { proposalId: id, voter: addr(members[0]!), option: 2, weight: 1n }]]));
    expect(await proposals.read.commitmentOf([id, addr(members[0]!)])).toBe(toHex(0, { size: 32 }));
    await expectRevert(proposals.write.reveal([id, 2, salt(0)], { account: members[0]!.account }), "ProposalsNoCommitment", [id, addr(members[0]!)]);
    await expectRevert(proposals.write.reveal([id, 0, salt(5)], { account: members[5]!.account }), "ProposalsNoCommitment", [id, addr(members[5]!)]);
    const c1 = voteCommitment(id, 2, salt(1), addr(members[1]!));
    await expectRevert(proposals.write.reveal([id, 1, salt(1)], { account: members[1]!.account }), "ProposalsRevealMismatch", [id, addr(members[1]!), c1, voteCommitment(id, 1, salt(1), addr(members[1]!))]);
    await expectRevert(proposals.write.reveal([id, 2, salt(2)], { account: members[1]!.account }), "ProposalsRevealMismatch", [id, addr(members[1]!), c1, voteCommitment(id, 2, salt(2), addr(members[1]!))]);
    await send(proposals.write.reveal([id, 2, salt(1)], { account: members[1]!.account }));
    await send(proposals.write.reveal([id, 1, salt(2)], { account: members[2]!.account }));
    // members[3] and members[4] never reveal
    expect(await proposals.read.tallies([id])).toEqual([[0n, 1n, 2n], 3n]);
    await expectRevert(proposals.write.finalize([id]), "ProposalsWrongState", [id, STATE.Revealing]);
    await networkHelpers.time.increaseTo(t + 201);
    await expectRevert(proposals.write.reveal([id, 0, salt(3)], { account: members[3]!.account }), "ProposalsWrongState", [id, STATE.Ended]);
    const fin = await send(proposals.write.finalize([id]));
    expect(fin.events[0]!.args).toMatchObject({ outcome: OUTCOME.Passed, winningOption: 2, tallies: [0n, 1n, 2n], totalCast: 3n });
  });

  it("a committed out-of-range option can never be counted; a member removed before reveal cannot reveal", async () => {
    const { proposals, members, send, networkHelpers, registry, owner, now } = env;
    const t2 = await now();
    const p = await env.create({ votingMode: MODE.CommitReveal, voteEnd: t2 + 100, revealEnd: t2 + 200 });
    await send(proposals.write.commitVote([p, voteCommitment(p, 7, salt(7), addr(members[0]!))], { account: members[0]!.account }));
    await send(proposals.write.commitVote([p, voteCommitment(p, 1, salt(8), addr(members[1]!))], { account: members[1]!.account }));
    await registry.write.removeMember([S1, addr(members[1]!)], { account: owner.account });
    await networkHelpers.time.increaseTo(t2 + 101);
    await expectRevert(proposals.write.reveal([p, 7, salt(7)], { account: members[0]!.account }), "ProposalsInvalidOption", [p, 7, 2]);
    await expectRevert(proposals.write.reveal([p, 1, salt(8)], { account: members[1]!.account }), "ProposalsNotMember", [S1, addr(members[1]!)]);
  });
});

describe("Proposals: commit-reveal with stake and excludeFlagged", () => {
  it("weight is read at reveal; flagged members cannot commit, and one flagged after committing cannot reveal", async () => {
    const env = await deploy();
    const { proposals, staking, members, send, signBallot, networkHelpers, now } = env;
    for (const [i, amount] of [[0, 10n], [1, 20n], [2, 30n], [3, 40n]] as const) await staking.write.stake([S1, amount], { account: members[i]!.account, value: amount });
    const slash = async (w: WalletClient) => {
      const other = await env.create();
      const [a, b] = [await signBallot(w, other, 0), await signBallot(w, other, 1)];
      await send(staking.write.slash([{ source: proposals.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    };
    await slash(members[3]!); // flagged before the proposal: 40 of stake is slashed and excluded
    const t = await now();
    const id = await env.create({ votingMode: MODE.CommitReveal, weighting: WEIGHT.Stake, excludeFlagged: true, voteEnd: t + 100, revealEnd: t + 200, quorumBps: 0 });
    expect((await proposals.read.proposalConfig([id])).denominator).toBe(60n);
    const salt = keccak256(toHex("s"));
    const commit = (i: number, option: number) => proposals.write.commitVote([id, voteCommitment(id, option, salt, addr(members[i]!))], { account: members[i]!.account });
    await expectRevert(commit(3, 0), "ProposalsVoterFlagged", [id, addr(members[3]!)]);
    await send(commit(0, 1));
    await send(commit(1, 0));
    await send(commit(2, 1));
    // members[0] adds stake before revealing: its weight is read at reveal
    await staking.write.stake([S1, 5n], { account: members[0]!.account, value: 5n });
    await slash(members[1]!); // flagged after committing
    await networkHelpers.time.increaseTo(t + 101);
    const { events } = await send(proposals.write.reveal([id, 1, salt], { account: members[0]!.account }));
    expect(events[0]!.args).toMatchObject({ option: 1, weight: 15n });
    await expectRevert(proposals.write.reveal([id, 0, salt], { account: members[1]!.account }), "ProposalsVoterFlagged", [id, addr(members[1]!)]);
    await send(proposals.write.reveal([id, 1, salt], { account: members[2]!.account }));
    expect(await proposals.read.tallies([id])).toEqual([[0n, 45n], 45n]);
  });
});

describe("Proposals: finalize outcomes", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  /** Creates a proposal, casts `votes[i]` for members[i] (owner = index 9), closes and finalizes it. */
  async function run(over: Partial<Params>, votes: (number | null)[]) {
    const { proposals, create, vote, members, owner, closeVoting, send } = env;
    const id = await create(over);
    const voters = [...members, owner];
    for (let i = 0; i < votes.length; i++) if (votes[i] !== null) await vote(id, votes[i]!, voters[i]!);
    await expectRevert(proposals.write.finalize([id]), "ProposalsWrongState", [id, STATE.Active]);
    await closeVoting(id);
    const { events, receipt } = await send(proposals.write.finalize([id]));
    return { id, args: events[0]!.args as unknown as { outcome: number; winningOption: number; tallies: bigint[]; totalCast: bigint; denominator: bigint }, gas: receipt.gasUsed };
  }

  it("majority: > 50% of the cast weight passes; a tie or a plurality is rejected", async () => {
    const pass = await run({ optionCount: 3 }, [1, 1, 1, 0, 2]);
    expect(pass.args).toEqual({ proposalId: pass.id, outcome: OUTCOME.Passed, winningOption: 1, tallies: [1n, 3n, 1n], totalCast: 5n, denominator: 10n });
    expect(await env.proposals.read.outcome([pass.id])).toEqual([OUTCOME.Passed, 1]);
    expect(await env.proposals.read.state([pass.id])).toBe(STATE.Passed);
    const tie = await run({}, [0, 0, 0, 1, 1, 1]);
    expect(tie.args).toMatchObject({ outcome: OUTCOME.Rejected, winningOption: 0, tallies: [3n, 3n] });
    expect(await env.proposals.read.state([tie.id])).toBe(STATE.Rejected);
    const plurality = await run({ optionCount: 3 }, [0, 0, 1, 1, 2, 2, 2]);
    expect(plurality.args).toMatchObject({ outcome: OUTCOME.Rejected, winningOption: 2 });
  });

  it("quorum: cast weight below quorumBps of the snapshot denominator, or nothing cast", async () => {
    const low = await run({ quorumBps: 5000 }, [0, 0, 0, 0]); // 4 of 10 < 50%
    expect(low.args).toMatchObject({ outcome: OUTCOME.QuorumNotReached, totalCast: 4n });
    expect(await env.proposals.read.state([low.id])).toBe(STATE.QuorumNotReached);
    const exact = await run({ quorumBps: 5000 }, [0, 0, 0, 0, 0]); // 5 of 10 = 50%
    expect(exact.args).toMatchObject({ outcome: OUTCOME.Passed });
    const none = await run({ quorumBps: 0 }, []);
    expect(none.args).toMatchObject({ outcome: OUTCOME.QuorumNotReached, totalCast: 0n });
    // the denominator is the member count at creation: joins after creation do not change it
    const { create, vote, registry, wallets, members, closeVoting, proposals, send } = env;
    const id = await create({ quorumBps: 6000 });
    for (const w of wallets.slice(11, 14)) await registry.write.join([S1, ""], { account: w.account });
    for (const w of [...members.slice(0, 3), ...wallets.slice(11, 14)]) await vote(id, 0, w);
    await closeVoting(id);
    const { events } = await send(proposals.write.finalize([id]));
    expect(events[0]!.args).toMatchObject({ outcome: OUTCOME.Passed, totalCast: 6n, denominator: 10n });
  });

  it("supermajority and unanimity thresholds", async () => {
    const sm = { quorumBps: 0, thresholdKind: THRESHOLD.Supermajority, thresholdBps: 6667 };
    expect((await run(sm, [0, 0, 1])).args.outcome).toBe(OUTCOME.Rejected); // 2/3 = 66.66..% < 66.67%
    expect((await run({ ...sm, thresholdBps: 6666 }, [0, 0, 1])).args.outcome).toBe(OUTCOME.Passed); // >= 66.66%
    expect((await run(sm, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])).args.outcome).toBe(OUTCOME.Passed); // 7/10
    expect((await run({ ...sm, thresholdBps: 10_000 }, [1, 1, 1])).args.outcome).toBe(OUTCOME.Passed);
    const un = { quorumBps: 0, thresholdKind: THRESHOLD.Unanimity };
    expect((await run(un, [1, 1, 1, 1])).args).toMatchObject({ outcome: OUTCOME.Passed, winningOption: 1 });
    expect((await run(un, [1, 1, 1, 0])).args.outcome).toBe(OUTCOME.Rejected);
  });

  it("finalize happens once; unknown proposals are rejected", async () => {
    const r = await run({ quorumBps: 0 }, [0, 0, 0, 0, 0, 0]);
    await expectRevert(env.proposals.write.finalize([r.id]), "ProposalsWrongState", [r.id, STATE.Passed]);
    await expectRevert(env.proposals.write.finalize([777n]), "ProposalsUnknownProposal", [777n]);
  });
});

/** The typed MockERC20 of a deployment (`deployContract`'s return type is only precise for a literal name). */
const deployMockERC20 = (env: Env) => env.viem.deployContract("MockERC20", ["T", "T"]);

describe("Proposals: actions, execute, cancel, refund", () => {
  let env: Env;
  let token: Awaited<ReturnType<typeof deployMockERC20>>;
  beforeAll(async () => {
    env = await deploy();
    token = await deployMockERC20(env);
  });

  async function passed(action: Params["action"], votes = [0, 0, 0, 0, 0, 0], value = action.value) {
    const { create, vote, members, closeVoting, send, proposals } = env;
    const id = await create({ action }, env.owner, value);
    for (let i = 0; i < votes.length; i++) await vote(id, votes[i]!, members[i]!);
    await closeVoting(id);
    await send(proposals.write.finalize([id]));
    return id;
  }

  it("executes a passed action once, with its ETH; emits ProposalExecuted", async () => {
    const { proposals, send, balance, outsider, publicClient } = env;
    const action = { target: token.address, value: 0n, data: encodeFunctionData({ abi: token.abi, functionName: "mint", args: [addr(outsider), 77n] }) };
    const id = await passed(action);
    const cfg = await proposals.read.proposalConfig([id]);
    expect(cfg.actionHash).toBe(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "bytes" }], [action.target, action.value, action.data])));
    await expectRevert(proposals.write.execute([id, { ...action, data: "0x" }]), "ProposalsActionMismatch");
    const { events } = await send(proposals.write.execute([id, action], { account: outsider.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([["ProposalExecuted", { proposalId: id, executor: addr(outsider), target: token.address, value: 0n, returnData: "0x" }]]),
    );
    expect(await token.read.balanceOf([addr(outsider)])).toBe(77n);
    expect(await proposals.read.state([id])).toBe(STATE.Executed);
    await expectRevert(proposals.write.execute([id, action]), "ProposalsWrongState", [id, STATE.Executed]);
    // with ETH
    const payee = addr(env.wallets[16]!);
    const ethAction = { target: payee, value: 12345n, data: "0x" as Hex };
    const before = await balance(payee);
    const id2 = await passed(ethAction);
    expect(await balance(proposals.address)).toBe(12345n);
    await send(proposals.write.execute([id2, ethAction]));
    expect((await balance(payee)) - before).toBe(12345n);
    expect(await balance(proposals.address)).toBe(0n);
    expect((await proposals.read.proposalConfig([id2])).value).toBe(0n);
    expect(publicClient).toBeDefined();
  });

  it("refuses to execute: not finalized, rejected, winner not option 0, no action, expired; refund then applies", async () => {
    const { proposals, create, send, closeVoting, networkHelpers, balance, owner } = env;
    const payee = addr(env.wallets[17]!);
    const action = { target: payee, value: 1000n, data: "0x" as Hex };
    const early = await create({ action }, owner, 1000n);
    await expectRevert(proposals.write.execute([early, action]), "ProposalsWrongState", [early, STATE.Active]);
    await expectRevert(proposals.write.refund([early]), "ProposalsWrongState", [early, STATE.Active]);
    const rejected = await passed(action, [0, 0, 0, 1, 1, 1]);
    await expectRevert(proposals.write.execute([rejected, action]), "ProposalsNotExecutable", [rejected, OUTCOME.Rejected, 0, true]);
    const optionOne = await passed(action, [1, 1, 1, 1, 1, 1]);
    await expectRevert(proposals.write.execute([optionOne, action]), "ProposalsNotExecutable", [optionOne, OUTCOME.Passed, 1, true]);
    const none = await passed(NO_ACTION);
    await expectRevert(proposals.write.execute([none, NO_ACTION]), "ProposalsNotExecutable", [none, OUTCOME.Passed, 0, false]);
    await expectRevert(proposals.write.refund([none]), "ProposalsNothingToRefund", [none]);
    // refund of the rejected proposal's ETH goes to the proposer, once, whoever calls it
    const before = await balance(addr(owner));
    const { events } = await send(proposals.write.refund([rejected], { account: env.outsider.account }));
    expect(lc(events[0]!.args)).toEqual(lc({ proposalId: rejected, proposer: addr(owner), value: 1000n }));
    expect((await balance(addr(owner))) - before).toBe(1000n);
    await expectRevert(proposals.write.refund([rejected]), "ProposalsNothingToRefund", [rejected]);
    await send(proposals.write.refund([optionOne]));
    // a passed approving proposal is not refundable until its execution period ended
    const ok = await passed(action);
    await expectRevert(proposals.write.refund([ok]), "ProposalsWrongState", [ok, STATE.Passed]);
    const cfg = await proposals.read.proposalConfig([ok]);
    await networkHelpers.time.increaseTo(cfg.voteEnd + 30 * DAY + 1);
    await expectRevert(proposals.write.execute([ok, action]), "ProposalsExecutionExpired", [ok, BigInt(cfg.voteEnd + 30 * DAY)]);
    await send(proposals.write.refund([ok]));
    expect(await balance(proposals.address)).toBe(1000n); // only `early` still holds ETH
    await closeVoting(early);
  });

  it("a failing action reverts execute and leaves the proposal executable; re-entrancy is blocked", async () => {
    const { proposals, viem, send } = env;
    const failing = { target: token.address, value: 0n, data: encodeFunctionData({ abi: token.abi, functionName: "burn", args: [addr(env.owner), 1n] }) };
    const id = await passed(failing);
    await expect(proposals.write.execute([id, failing])).rejects.toThrow();
    expect(await proposals.read.state([id])).toBe(STATE.Passed);
    // a smart account owned by the Proposals contract calls back into refund() during execute
    const relay = await viem.deployContract("MockERC1271Wallet", [proposals.address]);
    const victim = await passed({ target: addr(env.wallets[18]!), value: 5n, data: "0x" }, [1, 1, 1, 1, 1, 1]); // refundable
    const reenter = {
      target: relay.address,
      value: 0n,
      data: encodeFunctionData({ abi: relay.abi, functionName: "execute", args: [proposals.address, 0n, encodeFunctionData({ abi: proposals.abi, functionName: "refund", args: [victim] })] }),
    };
    const id2 = await passed(reenter);
    await expectRevert(proposals.write.execute([id2, reenter]), "ReentrancyGuardReentrantCall", []);
    await send(proposals.write.refund([victim]));
  });

  it("cancel: proposer only, before any vote, refunds the ETH; a cancelled proposal takes no votes", async () => {
    const { proposals, create, send, members, owner, balance, vote } = env;
    const action = { target: addr(env.wallets[16]!), value: 999n, data: "0x" as Hex };
    const id = await create({ action }, owner, 999n);
    await expectRevert(proposals.write.cancel([id], { account: members[0]!.account }), "ProposalsNotProposer", [id, addr(members[0]!), addr(owner)]);
    const before = await balance(proposals.address);
    const { events } = await send(proposals.write.cancel([id], { account: owner.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["ProposalCancelled", { proposalId: id, proposer: addr(owner), refunded: 999n }]]));
    expect(before - (await balance(proposals.address))).toBe(999n);
    expect(await proposals.read.state([id])).toBe(STATE.Cancelled);
    await expectRevert(proposals.write.castVote([id, 0], { account: members[0]!.account }), "ProposalsWrongState", [id, STATE.Cancelled]);
    await expectRevert(proposals.write.cancel([id], { account: owner.account }), "ProposalsWrongState", [id, STATE.Cancelled]);
    await expectRevert(proposals.write.finalize([id]), "ProposalsWrongState", [id, STATE.Cancelled]);
    await expectRevert(proposals.write.refund([id]), "ProposalsNothingToRefund", [id]);
    await expectRevert(proposals.write.cancel([555n], { account: owner.account }), "ProposalsUnknownProposal", [555n]);
    const voted = await create();
    await vote(voted, 0, members[0]!);
    await expectRevert(proposals.write.cancel([voted], { account: owner.account }), "ProposalsHasVotes", [voted]);
  });
});

describe("Proposals: checkEquivocation", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("accepts two signed ballots by one voter on one proposal with different options, in either order", async () => {
    const { proposals, create, members, signBallot, conflictKey } = env;
    const id = await create({ optionCount: 3 });
    const v = members[0]!;
    const [a, b, c] = [await signBallot(v, id, 0), await signBallot(v, id, 1), await signBallot(v, id, 2)];
    const expected = lc([S1, addr(v), conflictKey(S1, id, addr(v))]);
    expect(lc(await proposals.read.checkEquivocation([a.encoded, a.signature, b.encoded, b.signature]))).toEqual(expected);
    expect(lc(await proposals.read.checkEquivocation([b.encoded, b.signature, a.encoded, a.signature]))).toEqual(expected);
    expect(lc(await proposals.read.checkEquivocation([a.encoded, a.signature, c.encoded, c.signature]))).toEqual(expected);
  });

  it("rejects every kind of non-equivocation", async () => {
    const { proposals, create, members, signBallot, domain } = env;
    const id = await create({ optionCount: 3 });
    const other = await create({ optionCount: 3 });
    const [v, w] = [members[0]!, members[1]!];
    const a = await signBallot(v, id, 0);
    const check = (ba: Hex, sa: Hex, bb: Hex, sb: Hex) => proposals.read.checkEquivocation([ba, sa, bb, sb]);
    await expectRevert(check(a.encoded, a.signature, a.encoded, a.signature), "BallotSourceSameBallot", [a.digest]);
    const bw = await signBallot(w, id, 1);
    await expectRevert(check(a.encoded, a.signature, bw.encoded, bw.signature), "BallotSourceDifferentVoters", [addr(v), addr(w)]);
    const bo = await signBallot(v, other, 1);
    await expectRevert(check(a.encoded, a.signature, bo.encoded, bo.signature), "BallotSourceDifferentSubjects", [S1, id, S1, other]);
    const u1 = await signBallot(v, 999n, 0);
    const u2 = await signBallot(v, 999n, 1);
    await expectRevert(check(u1.encoded, u1.signature, u2.encoded, u2.signature), "ProposalsUnknownProposal", [999n]);
    const forged = await signProposalBallot(w, domain, { proposalId: id, option: 1, voter: addr(v) });
    await expectRevert(check(a.encoded, a.signature, forged.encoded, forged.signature), "BallotSourceInvalidSignature", [1, addr(v), forged.digest]);
    await expectRevert(check(forged.encoded, forged.signature, a.encoded, a.signature), "BallotSourceInvalidSignature", [0, addr(v), forged.digest]);
    const otherChain = await signBallot(v, id, 1, { ...domain, chainId: Number(domain.chainId) + 1 });
    await expectRevert(check(a.encoded, a.signature, otherChain.encoded, otherChain.signature), "BallotSourceInvalidSignature", [1, addr(v), (await signBallot(v, id, 1)).digest]);
    await expectRevert(check("0x", a.signature, a.encoded, a.signature), "BallotSourceMalformedBallot", [0]);
    const words = a.encoded.slice(2).match(/.{64}/g)!;
    const bigOption = ("0x" + [words[0], (256).toString(16).padStart(64, "0"), words[2]].join("")) as Hex;
    await expectRevert(check(a.encoded, a.signature, bigOption, a.signature), "BallotSourceMalformedBallot", [1]);
    const dirty = ("0x" + [words[0], words[1], "01" + words[2]!.slice(2)].join("")) as Hex;
    await expectRevert(check(dirty, a.signature, a.encoded, a.signature), "BallotSourceMalformedBallot", [0]);
  });

  it("slashing through Staking flags the voter once per conflict; EIP-1271 voters too", async () => {
    const { proposals, staking, create, members, signBallot, send, viem, domain } = env;
    const id = await create();
    const v = members[3]!;
    await staking.write.stake([S1, 100n], { account: v.account, value: 100n });
    const [a, b] = [await signBallot(v, id, 0), await signBallot(v, id, 1)];
    await send(staking.write.slash([{ source: proposals.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    expect(await staking.read.isFlagged([S1, addr(v)])).toBe(true);
    await expect(staking.write.slash([{ source: proposals.address, ballotA: b.encoded, sigA: b.signature, ballotB: a.encoded, sigB: a.signature }])).rejects.toThrow(/StakingAlreadySlashed/);
    const wallet = await viem.deployContract("MockERC1271Wallet", [addr(members[4]!)]);
    const [sa, sb] = [
      await signProposalBallot(members[4]!, domain, { proposalId: id, option: 0, voter: wallet.address }),
      await signProposalBallot(members[4]!, domain, { proposalId: id, option: 1, voter: wallet.address }),
    ];
    expect(lc(await proposals.read.checkEquivocation([sa.encoded, sa.signature, sb.encoded, sb.signature]))).toEqual(lc([S1, wallet.address, env.conflictKey(S1, id, wallet.address)]));
  });
});

describe("Proposals: gas", () => {
  it("castVote, a batch of 100 signed ballots, create, finalize", async () => {
    const env = await deploy();
    const { proposals, registry, create, members, owner, send, networkHelpers, params, signBallot, closeVoting } = env;
    const report: Record<string, number> = {};
    // 100 extra EOA members (local keys), funded and joined through impersonation
    const voters: PrivateKeyAccount[] = Array.from({ length: 100 }, (_, i) => privateKeyToAccount(keccak256(toHex(`concord-voter-${i}`))));
    for (const v of voters) {
      await networkHelpers.impersonateAccount(v.address);
      await networkHelpers.setBalance(v.address, 10n ** 18n);
      await registry.write.join([S1, ""], { account: v.address });
    }
    const c = await send(proposals.write.create([await params()], { account: owner.account }));
    report["create (2 options, open, no action)"] = Number(c.receipt.gasUsed);
    const c2 = await send(proposals.write.create([await params({ optionCount: 16, votingMode: MODE.CommitReveal, revealEnd: (await env.now()) + 2 * WINDOW, action: { target: addr(members[0]!), value: 1n, data: "0xabcdef" } })], { account: owner.account, value: 1n }));
    report["create (16 options, commit-reveal, ETH action)"] = Number(c2.receipt.gasUsed);
    const p1 = 1n;
    const first = await env.vote(p1, 0, members[0]!);
    report["castVote: first vote ever by the account, first on the proposal"] = Number(first.receipt.gasUsed);
    const second = await env.vote(p1, 0, members[1]!);
    report["castVote: first vote ever by the account (its member index came with joining)"] = Number(second.receipt.gasUsed);
    // batch of 100 fresh voters on proposal 1
    const sign100 = async (id: bigint) => batchArgs(await Promise.all(voters.map((v, i) => signBallot(v, id, i % 2))));
    const b1 = await sign100(p1);
    const r1 = await send(proposals.write.castVotesBySig([p1, b1.ballots, b1.signatures], { account: owner.account }));
    report["castVotesBySig x100, first votes ever (per ballot)"] = Math.round(Number(r1.receipt.gasUsed) / 100);
    // a second proposal: the same accounts vote again (typical steady state)
    const p3 = await create();
    await env.vote(p3, 1, members[0]!);
    const typical = await env.vote(p3, 0, members[1]!);
    report["castVote: returning voter (typical)"] = Number(typical.receipt.gasUsed);
    const b3 = await sign100(p3);
    const r3 = await send(proposals.write.castVotesBySig([p3, b3.ballots, b3.signatures], { account: owner.account }));
    report["castVotesBySig x100, returning voters (per ballot)"] = Math.round(Number(r3.receipt.gasUsed) / 100);
    expect(await proposals.read.tallies([p3])).toEqual([[51n, 51n], 102n]);
    await closeVoting(p3);
    const f = await send(proposals.write.finalize([p3]));
    report["finalize (2 options)"] = Number(f.receipt.gasUsed);
    console.log("Proposals gas:", report);
    // targets: a vote <= 0.7x OpenZeppelin Governor's castVote (65,888 -> 46,121); <= 12k per relayed ballot
    // (calldata ~2k, ecrecover 3k, the registry's cold membership SLOAD 2.1k, the VotesCast log and the loop)
    expect(report["castVote: returning voter (typical)"]!).toBeLessThanOrEqual(46_121);
    expect(report["castVote: first vote ever by the account (its member index came with joining)"]!).toBeLessThanOrEqual(46_121);
    expect(report["castVotesBySig x100, first votes ever (per ballot)"]!).toBeLessThanOrEqual(12_000);
    expect(report["castVotesBySig x100, returning voters (per ballot)"]!).toBeLessThanOrEqual(12_000);
  });
});

describe("Proposals: properties (fast-check)", () => {
  it("tallies and outcomes equal a TypeScript reference for random electorates, weights, thresholds and ballots", async () => {
    const env = await deploy();
    const { proposals, registry, staking, wallets, send, signBallot, closeVoting, networkHelpers, now } = env;
    const pool = wallets.slice(0, 12);
    let swarm = 2n;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          size: fc.integer({ min: 1, max: 12 }),
          stakes: fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 12, maxLength: 12 }),
          weighting: fc.constantFrom(WEIGHT.Head, WEIGHT.Stake),
          optionCount: fc.integer({ min: 2, max: 5 }),
          quorumBps: fc.integer({ min: 0, max: 10_000 }),
          threshold: fc.oneof(
            fc.constant({ kind: THRESHOLD.Majority, bps: 0 }),
            fc.constant({ kind: THRESHOLD.Unanimity, bps: 0 }),
            fc.integer({ min: 5001, max: 10_000 }).map((bps) => ({ kind: THRESHOLD.Supermajority, bps })),
          ),
          votes: fc.array(fc.record({ voter: fc.nat(13), option: fc.nat(7), bySig: fc.boolean() }), { maxLength: 14 }),
        }),
        async ({ size, stakes, weighting, optionCount, quorumBps, threshold, votes }) => {
          const creator = pool[0]!;
          await registry.write.createSwarm([OPEN, []], { account: creator.account });
          const sid = ++swarm;
          const electorate = pool.slice(0, size);
          for (const w of electorate.slice(1)) await registry.write.join([sid, ""], { account: w.account });
          const stakeOf = new Map<string, bigint>();
          for (const [i, w] of electorate.entries()) {
            if (stakes[i]! > 0n) await staking.write.stake([sid, stakes[i]!], { account: w.account, value: stakes[i]! });
            stakeOf.set(addr(w).toLowerCase(), stakes[i]!);
          }
          const totalStake = electorate.reduce((s, _, i) => s + stakes[i]!, 0n);
          if (weighting === WEIGHT.Stake && totalStake === 0n) return; // creation would revert (NoElectorate), tested elsewhere
          const p = await env.params({ swarmId: sid, optionCount, weighting, quorumBps, thresholdKind: threshold.kind, thresholdBps: threshold.bps, voteEnd: (await now()) + WINDOW });
          const { events } = await send(proposals.write.create([p], { account: creator.account }));
          const id = (events[0]!.args as { proposalId: bigint }).proposalId;
          const denominator = weighting === WEIGHT.Stake ? totalStake : BigInt(size);
          // reference model
          const ref = Array.from({ length: optionCount }, () => 0n);
          const voted = new Set<string>();
          const sigBatch: SignedProposalBallot[] = [];
          for (const v of votes) {
            const w = wallets[v.voter]!; // 12, 13 are never members
            const key = addr(w).toLowerCase();
            const member = v.voter < size;
            const weight = weighting === WEIGHT.Stake ? (stakeOf.get(key) ?? 0n) : 1n;
            const eligible = member && weight > 0n && v.option < optionCount;
            if (v.bySig) {
              if (v.option >= optionCount) continue; // an invalid option reverts the whole batch: covered elsewhere
              sigBatch.push(await signBallot(w, id, v.option));
              continue;
            }
            let ok = true;
            try {
              await send(proposals.write.castVote([id, v.option], { account: w.account }));
            } catch {
              ok = false;
            }
            const expectOk = eligible && !voted.has(key);
            expect(ok).toBe(expectOk);
            if (ok) voted.add(key), (ref[v.option]! += weight);
          }
          if (sigBatch.length > 0) {
            const { ballots, signatures } = batchArgs(sigBatch);
            await send(proposals.write.castVotesBySig([id, ballots, signatures]));
            for (const s of sigBatch) {
              const key = s.ballot.voter.toLowerCase();
              const idx = pool.findIndex((w) => addr(w).toLowerCase() === key);
              const member = idx >= 0 && idx < size;
              const weight = weighting === WEIGHT.Stake ? (stakeOf.get(key) ?? 0n) : 1n;
              if (member && weight > 0n && !voted.has(key)) voted.add(key), (ref[s.ballot.option]! += weight);
            }
          }
          const [onChain, total] = await proposals.read.tallies([id]);
          expect(onChain).toEqual(ref);
          const cast = ref.reduce((a, b) => a + b, 0n);
          expect(total).toBe(cast);
          await closeVoting(id);
          const fin = await send(proposals.write.finalize([id]));
          let top = 0n;
          let winner = 0;
          ref.forEach((t, i) => {
            if (t > top) (top = t), (winner = i);
          });
          const met =
            threshold.kind === THRESHOLD.Majority ? top * 2n > cast : threshold.kind === THRESHOLD.Supermajority ? top * 10_000n >= BigInt(threshold.bps) * cast : top === cast;
          const outcome = cast === 0n || cast * 10_000n < BigInt(quorumBps) * denominator ? OUTCOME.QuorumNotReached : met ? OUTCOME.Passed : OUTCOME.Rejected;
          expect(fin.events[0]!.args).toMatchObject({ outcome, winningOption: winner, tallies: ref, totalCast: cast, denominator });
          await networkHelpers.mine();
        },
      ),
      { numRuns: 20 },
    );
  });

  it("commit-reveal counts exactly the matching reveals made in the reveal window", async () => {
    const env = await deploy();
    const { proposals, members, owner, send, networkHelpers, now } = env;
    const voters = [owner, ...members];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ commit: fc.boolean(), option: fc.nat(2), revealKind: fc.constantFrom("match", "wrongSalt", "wrongOption", "none", "late") }),
          { minLength: 10, maxLength: 10 },
        ),
        async (plan) => {
          const t = await now();
          const id = await env.create({ votingMode: MODE.CommitReveal, optionCount: 3, voteEnd: t + 100, revealEnd: t + 200, quorumBps: 0 });
          const salt = (i: number) => keccak256(toHex(`${id}-${i}`));
          for (const [i, p] of plan.entries()) {
            if (p.commit) await send(proposals.write.commitVote([id, voteCommitment(id, p.option, salt(i), addr(voters[i]!))], { account: voters[i]!.account }));
          }
          await networkHelpers.time.increaseTo(t + 101);
          const expected = [0n, 0n, 0n];
          const late: number[] = [];
          for (const [i, p] of plan.entries()) {
            if (p.revealKind === "none") continue;
            if (p.revealKind === "late") {
              late.push(i);
              continue;
            }
            const option = p.revealKind === "wrongOption" ? (p.option + 1) % 3 : p.option;
            const s = p.revealKind === "wrongSalt" ? salt(i + 100) : salt(i);
            let ok = true;
            try {
              await send(proposals.write.reveal([id, option, s], { account: voters[i]!.account }));
            } catch {
              ok = false;
            }
            expect(ok).toBe(p.commit && p.revealKind === "match");
            if (ok) expected[option]! += 1n;
          }
          await networkHelpers.time.increaseTo(t + 201);
          for (const i of late) await expect(proposals.write.reveal([id, plan[i]!.option, salt(i)], { account: voters[i]!.account })).rejects.toThrow();
          expect(await proposals.read.tallies([id])).toEqual([expected, expected.reduce((a, b) => a + b, 0n)]);
        },
      ),
      { numRuns: 12 },
    );
  });
});
