/**
 * BallotAggregator + submitElection against the real LeaderElection (in-process Hardhat network):
 * - the aggregator says `reached` exactly when `elect` would accept its ballots — head and stake weighting,
 *   Majority and Byzantine, flagged members, zero stakes (a property over random stakes and voter orders);
 * - it rejects ballots for another term, swarm, candidate, chain or contract, forged ones, non-members and
 *   duplicates, and turns a voter's second, different ballot into slashing evidence that Staking accepts;
 * - submitElection sorts the voters and returns the decoded LeaderElected event; fencing flips to the new term.
 */
import fc from "fast-check";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, parseEther, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { describe, expect, it } from "vitest";
import {
  BallotAggregator,
  BallotError,
  ConcordSdkError,
  electionArgs,
  isCurrentLeader,
  readDomain,
  reportEquivocation,
  SwarmRegistryAbi,
  signElectionBallot,
  signProposalBallot,
  submitElection,
  toCompactSignature,
  TransactionError,
  type Domain,
  type SignedElectionBallot,
} from "../../sdk/index.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const MODE = { Lease: 1, Vote: 2 } as const;
const QUORUM = { Majority: 0, Byzantine: 1 } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;

async function fixture() {
  const { viem } = await network.create();
  const wallets = await viem.getWalletClients();
  const owner = wallets[0]!;
  const members = wallets.slice(1, 9); // 8 members + owner = 9
  const outsider = wallets[15]!;
  const client = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  const staking = await viem.deployContract("Staking", [registry.address]);
  const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
  await staking.write.setBallotSource([election.address, true], { account: owner.account });
  const domain = await readDomain(client, election.address);
  const chainId = await client.getChainId();

  /** A new swarm of owner + `count` members; returns its id. */
  const newSwarm = async (count = members.length) => {
    await registry.write.createSwarm([OPEN, []], { account: owner.account });
    const swarmId = await registry.read.swarmCount();
    for (const w of members.slice(0, count)) await registry.write.join([swarmId, ""], { account: w.account });
    return swarmId;
  };
  const configure = (swarmId: bigint, quorumKind: number, weighting: number, mode: number = MODE.Vote) =>
    election.write.configure([swarmId, mode, 600, quorumKind, weighting], { account: owner.account });
  const ballot = (w: WalletClient, swarmId: bigint, term: bigint, candidate: Address, d: Domain = domain) =>
    signElectionBallot(w, d, { swarmId, term, candidate, voter: w.account!.address });
  /** Whether elect accepts these ballots now (simulation: no state change). */
  const accepts = async (ballots: readonly SignedElectionBallot[]) => {
    if (ballots.length === 0) return false;
    const args = await electionArgs(ballots);
    try {
      await election.simulate.elect([args.swarmId, args.term, args.candidate, args.voters, args.signatures], { account: outsider.account!.address });
      return true;
    } catch (error) {
      expect(String(error)).toMatch(/LeaderElectionQuorumNotReached/);
      return false;
    }
  };
  return { viem, wallets, owner, members, outsider, client, registry, staking, election, domain, chainId, newSwarm, configure, ballot, accepts };
}

describe("BallotAggregator (elections) + submitElection", async () => {
  const f = await fixture();
  const everyone = [f.owner, ...f.members];

  it("head / majority: reached exactly when elect accepts; submitElection sorts voters and decodes LeaderElected", async () => {
    const swarmId = await f.newSwarm();
    await f.configure(swarmId, QUORUM.Majority, WEIGHT.Head);
    const candidate = f.members[0]!.account.address;
    const aggregator = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, candidate });
    expect(aggregator.target).toMatchObject({ kind: "election", term: 1n, rule: { mode: "vote", quorumKind: "majority", weighting: "head" } });
    expect(aggregator.status()).toMatchObject({ weight: 0n, total: 9n, needed: 5n, reached: false });
    // voters in descending address order: the contract wants them ascending, submitElection sorts them
    const voters = [...everyone].sort((a, b) => (BigInt(a.account!.address) > BigInt(b.account!.address) ? -1 : 1));
    let submitted = false;
    for (const w of voters) {
      const result = await aggregator.add(await f.ballot(w, swarmId, 1n, candidate));
      expect(result.accepted).toBe(true);
      const status = aggregator.status();
      expect(await f.accepts(aggregator.ballots() as SignedElectionBallot[])).toBe(status.reached);
      if (status.reached) {
        expect(status.weight).toBe(5n);
        const { event, voters: sent } = await aggregator.submitElection({ wallet: f.outsider });
        expect(event).toMatchObject({ swarmId, term: 1n, votesWeight: 5n, totalWeight: 9n, how: 1 });
        expect(event.leader.toLowerCase()).toBe(candidate.toLowerCase());
        expect(sent.map((v) => BigInt(v))).toEqual([...sent].map((v) => BigInt(v)).sort((a, b) => (a < b ? -1 : 1)));
        submitted = true;
        break;
      }
    }
    expect(submitted).toBe(true);
    expect(await isCurrentLeader(f.client, f.election.address, swarmId, candidate, 1n)).toBe(true);

    // the next aggregator defaults to term 2; a stale term or lease mode is refused up front
    const next = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId });
    expect(next.target).toMatchObject({ term: 2n, candidate: undefined });
    await expect(BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, term: 1n })).rejects.toMatchObject({ code: "election_unavailable" });
    const leaseSwarm = await f.newSwarm(2);
    await f.configure(leaseSwarm, QUORUM.Majority, WEIGHT.Head, MODE.Lease);
    await expect(BallotAggregator.forElection(f.client, { election: f.election.address, swarmId: leaseSwarm })).rejects.toBeInstanceOf(ConcordSdkError);

    // a newer term elected by vote makes the old leader stale
    const newLeader = f.members[1]!.account.address;
    const ballots = await Promise.all(everyone.slice(0, 6).map((w) => f.ballot(w, swarmId, 2n, newLeader)));
    for (const b of ballots) await next.add(b);
    expect(next.status()).toMatchObject({ reached: true, leading: getAddress(newLeader) });
    await submitElection(next.ballots() as SignedElectionBallot[], { wallet: f.outsider, client: f.client });
    expect(await isCurrentLeader(f.client, f.election.address, swarmId, candidate, 1n)).toBe(false);
    expect(await isCurrentLeader(f.client, f.election.address, swarmId, newLeader, 2n)).toBe(true);
  });

  it("rejects ballots for another term, swarm, candidate, chain, contract or kind, forged ones, outsiders and duplicates", async () => {
    const swarmId = await f.newSwarm();
    const otherSwarm = await f.newSwarm(2);
    await f.configure(swarmId, QUORUM.Majority, WEIGHT.Head);
    const candidate = f.members[0]!.account.address;
    const aggregator = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, candidate });
    const [m1, m2, m3, m4, m5] = f.members as [WalletClient, WalletClient, WalletClient, WalletClient, WalletClient];
    const reasonOf = async (ballot: Parameters<typeof aggregator.add>[0]) => {
      const result = await aggregator.add(ballot);
      return result.accepted ? "accepted" : result.error.reason;
    };
    expect(await reasonOf(await f.ballot(m1, swarmId, 2n, candidate))).toBe("wrong_term");
    expect(await reasonOf(await f.ballot(m1, otherSwarm, 1n, candidate))).toBe("wrong_swarm");
    expect(await reasonOf(await f.ballot(m1, swarmId, 1n, m2.account!.address))).toBe("wrong_candidate");
    expect(await reasonOf(await f.ballot(m1, swarmId, 1n, candidate, { ...f.domain, chainId: 1 }))).toBe("wrong_chain");
    expect(await reasonOf(await f.ballot(m1, swarmId, 1n, candidate, { ...f.domain, verifyingContract: f.staking.address }))).toBe("wrong_contract");
    const proposalsDomain = { name: "Concord Proposals", version: "1", chainId: f.chainId, verifyingContract: f.election.address } as const;
    expect(await reasonOf(await signProposalBallot(m1, proposalsDomain, { proposalId: 1n, option: 0, voter: m1.account!.address }))).toBe("wrong_kind");
    const forged = await signElectionBallot(m2, f.domain, { swarmId, term: 1n, candidate, voter: m3.account!.address });
    expect(await reasonOf(forged)).toBe("bad_signature");
    expect(await reasonOf(await f.ballot(f.outsider, swarmId, 1n, candidate))).toBe("not_member");
    const good = await f.ballot(m4, swarmId, 1n, candidate);
    expect(await reasonOf(good)).toBe("accepted");
    expect(await reasonOf(good)).toBe("duplicate");
    expect(await reasonOf(await f.ballot(m5, swarmId, 1n, candidate))).toBe("accepted");
    expect(aggregator.status()).toMatchObject({ weight: 2n, ballots: 2 });
    expect(aggregator.rejected.map((r) => r.error.reason)).toEqual([
      "wrong_term",
      "wrong_swarm",
      "wrong_candidate",
      "wrong_chain",
      "wrong_contract",
      "wrong_kind",
      "bad_signature",
      "not_member",
      "duplicate",
    ]);
    for (const r of aggregator.rejected) expect(r.error).toBeInstanceOf(BallotError);
    // not enough: the submission is refused by the contract, and the SDK says why
    await expect(aggregator.submitElection({ wallet: f.outsider })).rejects.toSatisfy(
      (e: unknown) => e instanceof TransactionError && e.revert?.name === "LeaderElectionQuorumNotReached",
    );
  });

  it("turns an equivocation into evidence Staking slashes on; Byzantine head counting then ignores the flagged voter", async () => {
    const swarmId = await f.newSwarm();
    for (const w of everyone) await f.staking.write.stake([swarmId, parseEther("1")], { account: w.account, value: parseEther("1") });
    await f.configure(swarmId, QUORUM.Byzantine, WEIGHT.Head);
    const [a, b] = [f.members[0]!.account.address, f.members[1]!.account.address];
    const cheat = f.members[7]!;
    const aggregator = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId }); // any candidate
    expect((await aggregator.add(await f.ballot(cheat, swarmId, 1n, a))).accepted).toBe(true);
    const second = await aggregator.add(await f.ballot(cheat, swarmId, 1n, b));
    expect(second).toMatchObject({ accepted: false, error: { reason: "equivocation" } });
    expect(aggregator.equivocations).toHaveLength(1);
    expect(aggregator.status().ballots).toBe(0); // the cheat's ballots no longer count

    // concurrent adds are processed one at a time: a voter's two ballots arriving together cannot both get in
    const racer = f.members[5]!;
    const raced = await Promise.all([f.ballot(racer, swarmId, 1n, a), f.ballot(racer, swarmId, 1n, b)].map(async (p) => aggregator.add(await p)));
    expect(raced.map((r) => (r.accepted ? "accepted" : r.error.reason)).sort()).toEqual(["accepted", "equivocation"]);
    expect(aggregator.equivocations.map((e) => e.voter)).toEqual([getAddress(cheat.account!.address), getAddress(racer.account!.address)]);
    expect((await aggregator.add(await f.ballot(cheat, swarmId, 1n, a))).accepted).toBe(false);

    const reporter = f.members[6]!;
    const before = await f.client.getBalance({ address: reporter.account!.address });
    const { event, receipt } = await reportEquivocation(aggregator.equivocations[0]!.evidence, { wallet: reporter, client: f.client, staking: f.staking.address });
    expect(event).toMatchObject({ swarmId, amount: parseEther("0.5"), reward: parseEther("0.05") });
    expect(event.member.toLowerCase()).toBe(cheat.account!.address.toLowerCase());
    const gas = receipt.gasUsed * receipt.effectiveGasPrice;
    expect(await f.client.getBalance({ address: reporter.account!.address })).toBe(before - gas + parseEther("0.05"));
    expect(await f.staking.read.isFlagged([swarmId, cheat.account!.address])).toBe(true);
    // the same conflict cannot be slashed twice
    await expect(reportEquivocation(aggregator.equivocations[0]!.evidence, { wallet: reporter, staking: f.staking.address })).rejects.toSatisfy(
      (e: unknown) => e instanceof TransactionError && e.revert?.name === "StakingAlreadySlashed",
    );

    // Byzantine, head: 9 members, > 2/3 needs 7 counted; the flagged cheat's ballot is accepted but counts 0
    const fresh = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, candidate: a });
    const order = [cheat, ...everyone.filter((w) => w !== cheat)];
    for (const w of order) {
      const result = await fresh.add(await f.ballot(w, swarmId, 1n, a));
      expect(result).toMatchObject({ accepted: true, weight: w === cheat ? 0n : 1n });
      expect(await f.accepts(fresh.ballots() as SignedElectionBallot[])).toBe(fresh.status().reached);
    }
    expect(fresh.status()).toMatchObject({ weight: 8n, total: 9n, needed: 7n, reached: true });
  });

  it("property: stake weighting, random stakes and voter order — reached iff elect accepts (Majority and Byzantine)", async () => {
    const stakes = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 9, maxLength: 9 });
    await fc.assert(
      fc.asyncProperty(stakes, fc.boolean(), fc.array(fc.nat(), { minLength: 9, maxLength: 9 }), async (amounts, byzantine, keys) => {
        const swarmId = await f.newSwarm();
        for (const [i, w] of everyone.entries()) {
          const amount = parseEther(String(amounts[i]!));
          if (amount > 0n) await f.staking.write.stake([swarmId, amount], { account: w.account, value: amount });
        }
        await f.configure(swarmId, byzantine ? QUORUM.Byzantine : QUORUM.Majority, WEIGHT.Stake);
        const candidate = f.members[0]!.account.address;
        const aggregator = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, candidate });
        expect(aggregator.status().total).toBe(parseEther(String(amounts.reduce((s, x) => s + x, 0))));
        const order = everyone.map((w, i) => ({ w, key: keys[i]! })).sort((x, y) => x.key - y.key).map((x) => x.w);
        for (const w of order) {
          const i = everyone.indexOf(w);
          const result = await aggregator.add(await f.ballot(w, swarmId, 1n, candidate));
          expect(result).toMatchObject({ accepted: true, weight: parseEther(String(amounts[i]!)) });
          expect(await f.accepts(aggregator.ballots() as SignedElectionBallot[])).toBe(aggregator.status().reached);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("smart-account (EIP-1271) voters go through the aggregator and submitElection with their signature untouched", async () => {
    const swarmId = await f.newSwarm(3);
    await f.configure(swarmId, QUORUM.Majority, WEIGHT.Head);
    const owner = f.members[3]!; // not a member itself: owns the smart account that is
    const smart = await f.viem.deployContract("MockERC1271Wallet", [owner.account!.address]);
    await smart.write.execute([f.registry.address, 0n, encodeFunctionData({ abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] })], { account: owner.account! });
    const candidate = f.members[0]!.account.address;
    const aggregator = await BallotAggregator.forElection(f.client, { election: f.election.address, swarmId, candidate });
    const smartBallot = await signElectionBallot(owner, f.domain, { swarmId, term: 1n, candidate, voter: smart.address });
    expect(await aggregator.add(smartBallot)).toMatchObject({ accepted: true, weight: 1n });
    expect((await electionArgs([smartBallot])).signatures).toEqual([smartBallot.signature]); // 65 bytes, as signed
    for (const w of [f.owner, f.members[0]!]) await aggregator.add(await f.ballot(w, swarmId, 1n, candidate));
    expect(aggregator.status()).toMatchObject({ weight: 3n, total: 5n, reached: true });
    const { event } = await aggregator.submitElection({ wallet: f.outsider });
    expect(event).toMatchObject({ term: 1n, votesWeight: 3n, totalWeight: 5n });
  });

  it("elect takes the ballots in 65-byte and in compact (EIP-2098) form alike", async () => {
    const swarmId = await f.newSwarm(3);
    await f.configure(swarmId, QUORUM.Majority, WEIGHT.Head);
    const voters = [f.owner, ...f.members.slice(0, 3)];
    const candidate = f.members[2]!.account.address;
    const ballots = await Promise.all(voters.map((w) => f.ballot(w, swarmId, 1n, candidate)));
    const full = await submitElection(ballots.slice(0, 3), { wallet: f.outsider, client: f.client, signatureEncoding: "full" });
    expect(full.event.term).toBe(1n);
    const again = await Promise.all(voters.map((w) => f.ballot(w, swarmId, 2n, candidate)));
    const compact = await submitElection(again.slice(1), { wallet: f.outsider, client: f.client });
    expect(compact.event).toMatchObject({ term: 2n, votesWeight: 3n, totalWeight: 4n });
    expect(compact.receipt.gasUsed).toBeGreaterThan(0n);
  });

  it("refuses to submit ballots about different subjects", async () => {
    const swarmId = await f.newSwarm(3);
    const [m1, m2] = f.members as [WalletClient, WalletClient];
    const one = await f.ballot(m1, swarmId, 1n, m1.account!.address);
    const other = await f.ballot(m2, swarmId, 1n, m2.account!.address);
    await expect(electionArgs([one, other])).rejects.toThrow(/same contract, swarm, term and candidate/);
    await expect(electionArgs([one, one])).rejects.toBeInstanceOf(BallotError);
    await expect(electionArgs([])).rejects.toThrow(/No ballots/);
    const sig: Hex = one.signature;
    expect((await electionArgs([one])).signatures).toEqual([toCompactSignature(sig)]); // the contract takes EIP-2098
    expect((await electionArgs([one], "full")).signatures).toEqual([sig]);
  });
});
