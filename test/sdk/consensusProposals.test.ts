/**
 * BallotAggregator + submitBallots against the real Proposals (in-process Hardhat network):
 * - `reached` (quorum and threshold, counting the votes already on chain) holds exactly when `finalize`
 *   then records Passed — head and stake weighting, Majority and Supermajority;
 * - ballots for another proposal, chain or contract, options out of range, voters who already voted, outsiders,
 *   flagged voters (excludeFlagged), voters without stake and duplicates are rejected; a second, different
 *   ballot is equivocation evidence that Staking slashes on (Proposals is the ballot source);
 * - submitBallots decodes what the contract counted and what it skipped.
 */
import { network } from "hardhat";
import { getAddress, keccak256, parseEther, toHex, zeroAddress, type WalletClient } from "viem";
import { describe, expect, it } from "vitest";
import { BallotAggregator, ConcordSdkError, readDomain, reportEquivocation, signProposalBallot, type Domain } from "../../sdk/index.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;
const THRESHOLD = { Majority: 0, Supermajority: 1, Unanimity: 2 } as const;
const SWARM = 1n;
const WINDOW = 1000;

async function fixture() {
  const { viem, networkHelpers } = await network.create();
  const wallets = await viem.getWalletClients();
  const owner = wallets[0]!;
  const members = wallets.slice(1, 9); // owner + 8 members = 9
  const outsider = wallets[15]!;
  const client = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  const staking = await viem.deployContract("Staking", [registry.address]);
  const proposals = await viem.deployContract("Proposals", [registry.address, staking.address]);
  await staking.write.setBallotSource([proposals.address, true], { account: owner.account });
  await registry.write.createSwarm([OPEN, []], { account: owner.account });
  for (const w of members) await registry.write.join([SWARM, ""], { account: w.account });
  // stakes 1..9 ETH, except the last member (no stake)
  const everyone = [owner, ...members];
  for (const [i, w] of everyone.entries()) {
    if (i === everyone.length - 1) continue;
    await staking.write.stake([SWARM, parseEther(String(i + 1))], { account: w.account, value: parseEther(String(i + 1)) });
  }
  const domain = await readDomain(client, proposals.address);

  const create = async (opts: { weighting?: number; quorumBps?: number; thresholdKind?: number; thresholdBps?: number; excludeFlagged?: boolean; optionCount?: number } = {}) => {
    const now = (await client.getBlock()).timestamp;
    await proposals.write.create(
      [
        {
          swarmId: SWARM,
          descriptionURI: "ipfs://p",
          descriptionHash: keccak256(toHex("p")),
          optionCount: opts.optionCount ?? 3,
          voteStart: 0,
          voteEnd: Number(now) + WINDOW,
          revealEnd: 0,
          votingMode: 0,
          weighting: opts.weighting ?? WEIGHT.Head,
          quorumBps: opts.quorumBps ?? 4000,
          thresholdKind: opts.thresholdKind ?? THRESHOLD.Majority,
          thresholdBps: opts.thresholdBps ?? 0,
          excludeFlagged: opts.excludeFlagged ?? false,
          action: { target: zeroAddress, value: 0n, data: "0x" },
        },
      ],
      { account: owner.account },
    );
    return proposals.read.proposalCount();
  };
  const ballot = (w: WalletClient, proposalId: bigint, option: number, d: Domain = domain) => signProposalBallot(w, d, { proposalId, option, voter: w.account!.address });
  return { viem, networkHelpers, owner, members, everyone, outsider, client, registry, staking, proposals, domain, create, ballot };
}

describe("BallotAggregator (proposals) + submitBallots", async () => {
  const f = await fixture();

  it("reached holds exactly when finalize records Passed (head/stake, majority/supermajority, with votes already on chain)", async () => {
    const pattern = [0, 1, 0, 0, 2, 0, 1, 0]; // options of owner, m1..m7 in that order
    const configs = [
      { weighting: WEIGHT.Head, quorumBps: 4000, thresholdKind: THRESHOLD.Majority },
      { weighting: WEIGHT.Stake, quorumBps: 3000, thresholdKind: THRESHOLD.Supermajority, thresholdBps: 6000 },
      { weighting: WEIGHT.Head, quorumBps: 0, thresholdKind: THRESHOLD.Unanimity },
    ];
    const cases: { proposalId: bigint; reached: boolean; k: number }[] = [];
    for (const config of configs) {
      for (let k = 0; k <= pattern.length; k++) {
        const proposalId = await f.create(config);
        // m8 (no stake) votes directly first on head proposals: the aggregator counts what is on chain
        if (config.weighting === WEIGHT.Head) await f.proposals.write.castVote([proposalId, 1], { account: f.members[7]!.account });
        const aggregator = await BallotAggregator.forProposal(f.client, { proposals: f.proposals.address, proposalId });
        for (let i = 0; i < k; i++) {
          const result = await aggregator.add(await f.ballot(f.everyone[i]!, proposalId, pattern[i]!));
          expect(result.accepted).toBe(true);
        }
        const status = aggregator.status();
        if (k > 0) {
          const sent = await aggregator.submitBallots({ wallet: f.outsider });
          expect(sent.counted).toHaveLength(k);
          expect(sent.skipped).toEqual([]);
          const [, totalCast] = await f.proposals.read.tallies([proposalId]);
          expect(totalCast).toBe(status.weight);
          expect(aggregator.status().ballots).toBe(0); // submitted: now counted on chain
        }
        cases.push({ proposalId, reached: status.reached, k });
      }
    }
    await f.networkHelpers.time.increase(WINDOW + 1);
    const outcomes = [];
    for (const c of cases) {
      await f.proposals.write.finalize([c.proposalId], { account: f.outsider.account });
      const [outcome] = await f.proposals.read.outcome([c.proposalId]);
      outcomes.push({ k: c.k, passed: outcome === 1, reached: c.reached });
    }
    for (const o of outcomes) expect(o.passed, `k=${o.k}`).toBe(o.reached);
    // both answers occur, so the comparison means something
    expect(outcomes.some((o) => o.passed)).toBe(true);
    expect(outcomes.some((o) => !o.passed)).toBe(true);
  });

  it("rejects what the contract would revert on or skip, and reports equivocation that Staking slashes", async () => {
    const proposalId = await f.create({ weighting: WEIGHT.Stake, excludeFlagged: true });
    const other = await f.create();
    const aggregator = await BallotAggregator.forProposal(f.client, { proposals: f.proposals.address, proposalId });
    expect(aggregator.target).toMatchObject({ kind: "proposal", proposalId, rule: { weighting: "stake", optionCount: 3, excludeFlagged: true } });
    const [m1, m2, m3, m4, m5, , , m8] = f.members as WalletClient[];
    const reasonOf = async (b: Parameters<typeof aggregator.add>[0]) => {
      const r = await aggregator.add(b);
      return r.accepted ? "accepted" : r.error.reason;
    };
    expect(await reasonOf(await f.ballot(m1!, other, 0))).toBe("wrong_proposal");
    expect(await reasonOf(await f.ballot(m1!, proposalId, 0, { ...f.domain, chainId: 1 }))).toBe("wrong_chain");
    expect(await reasonOf(await f.ballot(m1!, proposalId, 0, { ...f.domain, verifyingContract: f.staking.address }))).toBe("wrong_contract");
    expect(await reasonOf(await f.ballot(m1!, proposalId, 3))).toBe("invalid_option");
    expect(await reasonOf(await f.ballot(f.outsider, proposalId, 0))).toBe("not_member");
    expect(await reasonOf(await f.ballot(m8!, proposalId, 0))).toBe("no_weight");
    await f.proposals.write.castVote([proposalId, 2], { account: m2!.account });
    expect(await reasonOf(await f.ballot(m2!, proposalId, 0))).toBe("already_voted");
    const good = await f.ballot(m3!, proposalId, 1);
    expect(await reasonOf(good)).toBe("accepted");
    expect(await reasonOf(good)).toBe("duplicate");

    // m4 signs option 0 and option 1: equivocation; Staking slashes m4 through Proposals' evidence check
    expect(await reasonOf(await f.ballot(m4!, proposalId, 0))).toBe("accepted");
    expect(await reasonOf(await f.ballot(m4!, proposalId, 1))).toBe("equivocation");
    const { event } = await reportEquivocation(aggregator.equivocations[0]!.evidence, { wallet: m5!, client: f.client, staking: f.staking.address });
    expect(event).toMatchObject({ swarmId: SWARM, amount: parseEther("2.5"), reward: parseEther("0.25"), source: getAddress(f.proposals.address) });
    // flagged now: a new aggregator for an excludeFlagged proposal turns m4 away, and so would the contract
    const later = await BallotAggregator.forProposal(f.client, { proposals: f.proposals.address, proposalId });
    expect((await later.add(await f.ballot(m4!, proposalId, 0))) as { error?: { reason: string } }).toMatchObject({ accepted: false, error: { reason: "flagged" } });

    // after refresh, status counts the direct vote now on chain (m2: 3 ETH on option 2) plus m3's ballot (4 ETH on option 1)
    expect(aggregator.status().tallies["2"]).toBe(0n); // m2 voted after the aggregator read the chain
    expect(await aggregator.refresh()).toMatchObject({ tallies: { "0": 0n, "1": parseEther("4"), "2": parseEther("3") }, leading: 1, ballots: 1 });
    await expect(BallotAggregator.forProposal(f.client, { proposals: f.proposals.address, proposalId: 999n })).rejects.toBeInstanceOf(ConcordSdkError);
  });

  it("submitBallots reports the ballots the contract skipped (a voter who voted directly meanwhile)", async () => {
    const proposalId = await f.create({ weighting: WEIGHT.Stake });
    const aggregator = await BallotAggregator.forProposal(f.client, { proposals: f.proposals.address, proposalId });
    const [m1, m2] = f.members as WalletClient[];
    for (const w of [f.owner, m1!, m2!]) expect((await aggregator.add(await f.ballot(w, proposalId, 0))).accepted).toBe(true);
    await f.proposals.write.castVote([proposalId, 1], { account: m1!.account }); // m1 changes its mind, directly
    const sent = await aggregator.submitBallots({ wallet: f.outsider, client: f.client });
    expect(sent.skipped).toEqual([{ voter: getAddress(m1!.account!.address), reason: "already_voted" }]);
    expect(sent.counted.map((c) => ({ ...c, voter: c.voter.toLowerCase() }))).toEqual([
      { voter: f.owner.account!.address.toLowerCase(), option: 0, weight: parseEther("1") },
      { voter: m2!.account!.address.toLowerCase(), option: 0, weight: parseEther("3") },
    ]);
    expect(aggregator.status().tallies).toEqual({ "0": parseEther("4"), "1": parseEther("2"), "2": 0n });
  });
});
