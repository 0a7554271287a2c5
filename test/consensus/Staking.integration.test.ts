/**
 * Staking with the real ballot sources (LeaderElection, Proposals): each source's evidence slashes through
 * Staking, conflicts are keyed per source (a member equivocating in an election and in a proposal is slashed
 * for each, once), and a source never accepts another source's ballots.
 */
import { describe, it, expect } from "vitest";
import { network } from "hardhat";
import { decodeErrorResult, encodeAbiParameters, keccak256, parseAbiParameters, parseEther, parseEventLogs, zeroAddress, type Address, type Hex } from "viem";
import { decodeRevert, expectRevert } from "../helpers/errors.ts";
import { leaderElectionDomain, proposalsDomain, signElectionBallot, signProposalBallot } from "../helpers/ballots.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const S1 = 1n;

describe("Staking with LeaderElection and Proposals as ballot sources", () => {
  it("slashes election and proposal equivocation separately, once each", async () => {
    const { viem } = await network.create();
    const [owner, alice, bob, carol, reporter] = await viem.getWalletClients();
    const publicClient = await viem.getPublicClient();
    const chainId = await publicClient.getChainId();
    const registry = await viem.deployContract("SwarmRegistry");
    await registry.write.createSwarm([OPEN, []], { account: owner!.account });
    for (const w of [alice, bob, carol]) await registry.write.join([S1, ""], { account: w!.account });
    const staking = await viem.deployContract("Staking", [registry.address], { client: { wallet: owner! } });
    const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
    const proposals = await viem.deployContract("Proposals", [registry.address, staking.address]);
    for (const s of [election.address, proposals.address]) await staking.write.setBallotSource([s, true], { account: owner!.account });
    await staking.write.stake([S1, parseEther("8")], { account: alice!.account, value: parseEther("8") });
    await staking.write.stake([S1, parseEther("2")], { account: bob!.account, value: parseEther("2") });

    const slash = async (source: Address, a: { encoded: Hex; signature: Hex }, b: { encoded: Hex; signature: Hex }) => {
      const hash = await staking.write.slash([{ source, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }], { account: reporter!.account });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      return parseEventLogs({ abi: staking.abi, logs: receipt.logs, eventName: "MemberSlashed" })[0]!.args;
    };
    const key = (source: Address, subject: bigint, voter: Address) =>
      keccak256(encodeAbiParameters(parseAbiParameters("address, uint256, uint256, address"), [source, S1, subject, voter]));
    const voter = alice!.account.address;

    // election: two ballots for term 1, different candidates
    const edom = leaderElectionDomain(chainId, election.address);
    const e1 = await signElectionBallot(alice!, edom, { swarmId: S1, term: 1n, candidate: bob!.account.address, voter });
    const e2 = await signElectionBallot(alice!, edom, { swarmId: S1, term: 1n, candidate: carol!.account.address, voter });
    const ev1 = await slash(election.address, e1, e2);
    expect(ev1.amount).toBe(parseEther("4"));
    expect(ev1.conflictKey).toBe(key(election.address, 1n, voter));
    expect(ev1.source.toLowerCase()).toBe(election.address.toLowerCase());
    expect(ev1.totalStake).toBe(parseEther("2"));
    expect(await staking.read.stakeOf([S1, voter])).toBe(0n);
    await expectRevert(
      staking.write.slash([{ source: election.address, ballotA: e2.encoded, sigA: e2.signature, ballotB: e1.encoded, sigB: e1.signature }], { account: reporter!.account }),
      "StakingAlreadySlashed",
      [election.address, key(election.address, 1n, voter)],
    );

    // proposal: two ballots for proposal 1, different options — another conflict, slashed again
    const now = Number((await publicClient.getBlock()).timestamp);
    await proposals.write.create([{
      swarmId: S1, descriptionURI: "", descriptionHash: `0x${"00".repeat(32)}`, optionCount: 2, voteStart: 0, voteEnd: now + 3600, revealEnd: 0,
      votingMode: 0, weighting: 0, quorumBps: 0, thresholdKind: 0, thresholdBps: 0, excludeFlagged: false,
      action: { target: zeroAddress, value: 0n, data: "0x" },
    }], { account: bob!.account });
    const pdom = proposalsDomain(chainId, proposals.address);
    const p0 = await signProposalBallot(alice!, pdom, { proposalId: 1n, option: 0, voter });
    const p1 = await signProposalBallot(alice!, pdom, { proposalId: 1n, option: 1, voter });
    // a source does not take another source's ballots (election ballots are 4 words, proposal ballots 3)
    const err = await staking.write
      .slash([{ source: proposals.address, ballotA: e1.encoded, sigA: e1.signature, ballotB: e2.encoded, sigB: e2.signature }], { account: reporter!.account })
      .then(() => undefined, (e: unknown) => e);
    const decoded = decodeErrorResult({ abi: proposals.abi, data: decodeRevert(err)!.raw! });
    expect([decoded.errorName, decoded.args]).toEqual(["BallotSourceMalformedBallot", [0]]);

    const ev2 = await slash(proposals.address, p0, p1);
    expect(ev2.amount).toBe(parseEther("2"));
    expect(ev2.conflictKey).toBe(key(proposals.address, 1n, voter));
    expect(ev2.totalStake).toBe(parseEther("2"));
    expect(await staking.read.stakeInfo([S1, voter])).toEqual({ active: parseEther("2"), pending: 0n, unlockAt: 0, flagged: true });

    // distrusting a source stops its evidence
    await staking.write.setBallotSource([proposals.address, false], { account: owner!.account });
    const p2 = await signProposalBallot(bob!, pdom, { proposalId: 1n, option: 0, voter: bob!.account.address });
    const p3 = await signProposalBallot(bob!, pdom, { proposalId: 1n, option: 1, voter: bob!.account.address });
    await expectRevert(
      staking.write.slash([{ source: proposals.address, ballotA: p2.encoded, sigA: p2.signature, ballotB: p3.encoded, sigB: p3.signature }], { account: reporter!.account }),
      "StakingUnknownBallotSource",
      [proposals.address],
    );
  });
});
