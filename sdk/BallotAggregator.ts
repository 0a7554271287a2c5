/**
 * BallotAggregator: collects signed ballots for one election term or one proposal, checks each one the way
 * the contract will (domain, subject, signature incl. EIP-1271, membership, weight), keeps one ballot per
 * voter, and tracks the weight until the quorum the contract requires is reached.
 *
 *   const aggregator = await BallotAggregator.forElection(publicClient, { election, swarmId, term, candidate });
 *   for await (const ballot of incoming) {
 *     const result = await aggregator.add(ballot);            // never throws for a bad ballot
 *     if (!result.accepted) console.log(result.error.reason);  // wrong_term, bad_signature, equivocation, ...
 *     if (aggregator.status().reached) break;
 *   }
 *   const { event } = await aggregator.submit({ wallet });    // elect(...) with the voters sorted
 *
 * Elections (LeaderElection, vote mode): weight is one per member (Head) or the member's stake (Stake,
 * `Staking.stakeOf`, 0 when flagged); in Byzantine head counting a flagged member counts 0. The quorum is
 * `weight * 2 > total` (Majority) or `weight * 3 > total * 2` (Byzantine), total = `memberCount` or
 * `totalStake` — read from the chain, like `elect` does when it runs (call `refresh()` before submitting if
 * time has passed). Without a fixed candidate, ballots for any candidate are tallied and `status().leading`
 * names the candidate with the most weight; `ballots()` are that candidate's.
 *
 * Proposals (open voting): weight is 1 (Head) or `stakeOf` (Stake); voters that already voted on chain, are
 * not members, are flagged (`excludeFlagged`) or have no stake are rejected (the contract would skip them),
 * and options out of range too (the contract would revert the whole batch). The tallies include the votes
 * already on chain. `reached` means the proposal would pass if voting closed now: the quorum
 * (`cast * 10_000 >= quorumBps * denominator`) and the threshold (Majority / Supermajority / Unanimity) hold.
 *
 * A voter's second ballot is a `duplicate` (same vote) or an `equivocation` (different vote, both validly
 * signed): the voter's ballots are then dropped from the tally and the pair kept in `equivocations`, ready
 * for Staking `slash` (see reportEquivocation).
 */
import { getAddress, isAddressEqual, type Address, type Client } from "viem";
import { getChainId, readContract } from "viem/actions";
import { LeaderElectionAbi, ProposalsAbi, StakingAbi, SwarmRegistryAbi } from "./abis.ts";
import { readDomain, type Domain } from "./domain.ts";
import type { SignedElectionBallot } from "./electionBallots.ts";
import { equivocationEvidence, type EquivocationEvidence } from "./equivocation.ts";
import { BallotError, ConcordSdkError, type BallotRejection } from "./errors.ts";
import type { SignedProposalBallot } from "./proposalBallots.ts";
import { submitBallots, submitElection, type BallotsSubmission, type ElectionSubmission, type SubmitOptions } from "./submitBallots.ts";
import { domainMismatch, verifyBallot, type SignedBallot } from "./verifyBallot.ts";

export const ELECTION_MODES = ["none", "lease", "vote"] as const;
export const QUORUM_KINDS = ["majority", "byzantine"] as const;
export const WEIGHTINGS = ["head", "stake"] as const;
export const THRESHOLD_KINDS = ["majority", "supermajority", "unanimity"] as const;

/** What LeaderElection `electionConfig` answers, with names. */
export type ElectionRule = { mode: (typeof ELECTION_MODES)[number]; leaseDuration: number; quorumKind: (typeof QUORUM_KINDS)[number]; weighting: (typeof WEIGHTINGS)[number] };

/** The parts of Proposals `proposalConfig` that decide the outcome, with names. */
export type ProposalRule = {
  swarmId: bigint;
  optionCount: number;
  voteStart: number;
  voteEnd: number;
  weighting: (typeof WEIGHTINGS)[number];
  quorumBps: number;
  thresholdKind: (typeof THRESHOLD_KINDS)[number];
  thresholdBps: number;
  excludeFlagged: boolean;
  denominator: bigint;
};

export type ElectionTarget = {
  kind: "election";
  address: Address;
  chainId: number;
  swarmId: bigint;
  term: bigint;
  /** Only ballots for this candidate are accepted (undefined: any candidate). */
  candidate: Address | undefined;
  rule: ElectionRule;
};

export type ProposalTarget = { kind: "proposal"; address: Address; chainId: number; proposalId: bigint; rule: ProposalRule };

export type AggregatorStatus = {
  /** Weight behind the leading candidate (election), or all weight cast incl. votes already on chain (proposal). */
  weight: bigint;
  /** The quorum's denominator: memberCount or totalStake (election, now), the snapshot at creation (proposal). */
  total: bigint;
  /** The smallest `weight` that reaches the quorum. */
  needed: bigint;
  /** Election: the leading candidate has the quorum (`elect` will succeed). Proposal: quorum and threshold hold. */
  reached: boolean;
  /** Election: the candidate with the most weight; proposal: the leading option (ties: lowest index). */
  leading: Address | number | undefined;
  /** Weight per candidate (lowercase address) or per option index. */
  tallies: Record<string, bigint>;
  /** Proposal only: the quorum alone holds. */
  quorumReached?: boolean;
  /** Ballots held (accepted, not yet on chain). */
  ballots: number;
};

export type AddResult =
  | { accepted: true; voter: Address; weight: bigint; status: AggregatorStatus }
  | { accepted: false; voter: Address; error: BallotError; evidence?: EquivocationEvidence; status: AggregatorStatus };

type Held = { ballot: SignedBallot; weight: bigint; vote: string };

const read = <T>(client: Client, address: Address, abi: unknown, functionName: string, args: readonly unknown[]) =>
  readContract(client, { address, abi, functionName, args } as Parameters<typeof readContract>[1]) as Promise<T>;

export class BallotAggregator {
  readonly client: Client;
  readonly target: ElectionTarget | ProposalTarget;
  /** The contract's EIP-712 domain (from the chain, ERC-5267). */
  readonly domain: Domain;
  /** Pairs of conflicting ballots seen, one per equivocating voter (Staking `slash` evidence). */
  readonly equivocations: { voter: Address; evidence: EquivocationEvidence }[] = [];
  /** Every rejected ballot, in order. */
  readonly rejected: { ballot: SignedBallot; error: BallotError }[] = [];

  private readonly registry: Address;
  private readonly staking: Address;
  private readonly held = new Map<string, Held>();
  private readonly equivocators = new Set<string>();
  private total = 0n;
  private chainTallies: bigint[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(client: Client, target: ElectionTarget | ProposalTarget, domain: Domain, registry: Address, staking: Address) {
    this.client = client;
    this.target = target;
    this.domain = domain;
    this.registry = registry;
    this.staking = staking;
  }

  /**
   * An aggregator for `term` of `swarmId`'s election (default term: the current term + 1). Throws
   * ConcordSdkError `election_unavailable` if the swarm is not in vote mode or the term is not above the current one.
   */
  static async forElection(client: Client, params: { election: Address; swarmId: bigint; term?: bigint; candidate?: Address }): Promise<BallotAggregator> {
    const address = getAddress(params.election);
    const [chainId, domain, config, seat, registry, staking] = await Promise.all([
      getChainId(client),
      readDomain(client, address),
      read<{ mode: number; leaseDuration: number; quorumKind: number; weighting: number }>(client, address, LeaderElectionAbi, "electionConfig", [params.swarmId]),
      read<readonly [Address, bigint, number]>(client, address, LeaderElectionAbi, "currentLeader", [params.swarmId]),
      read<Address>(client, address, LeaderElectionAbi, "registry", []),
      read<Address>(client, address, LeaderElectionAbi, "staking", []),
    ]);
    const rule: ElectionRule = {
      mode: ELECTION_MODES[config.mode] ?? "none",
      leaseDuration: Number(config.leaseDuration),
      quorumKind: QUORUM_KINDS[config.quorumKind] ?? "majority",
      weighting: WEIGHTINGS[config.weighting] ?? "head",
    };
    if (rule.mode !== "vote") {
      throw new ConcordSdkError("election_unavailable", `Swarm ${params.swarmId} does not elect by vote (mode ${rule.mode})`, { swarmId: params.swarmId, mode: rule.mode });
    }
    const currentTerm = seat[1];
    const term = params.term ?? currentTerm + 1n;
    if (term <= currentTerm) {
      throw new ConcordSdkError("election_unavailable", `Term ${term} is stale: swarm ${params.swarmId} is at term ${currentTerm}`, { swarmId: params.swarmId, term, currentTerm });
    }
    const target: ElectionTarget = {
      kind: "election",
      address,
      chainId,
      swarmId: params.swarmId,
      term,
      candidate: params.candidate === undefined ? undefined : getAddress(params.candidate),
      rule,
    };
    const aggregator = new BallotAggregator(client, target, domain, registry, staking);
    await aggregator.refreshTotal();
    return aggregator;
  }

  /** An aggregator for an open-voting proposal. Throws ConcordSdkError `proposal_unavailable` otherwise. */
  static async forProposal(client: Client, params: { proposals: Address; proposalId: bigint }): Promise<BallotAggregator> {
    const address = getAddress(params.proposals);
    let config: Record<string, unknown>;
    try {
      config = await read<Record<string, unknown>>(client, address, ProposalsAbi, "proposalConfig", [params.proposalId]);
    } catch (error) {
      throw new ConcordSdkError("proposal_unavailable", `No proposal ${params.proposalId} at ${address}`, { proposalId: params.proposalId }, { cause: error });
    }
    if (Number(config.votingMode) !== 0) {
      throw new ConcordSdkError("proposal_unavailable", `Proposal ${params.proposalId} uses commit-reveal voting: ballots cannot be relayed`, { proposalId: params.proposalId });
    }
    const [chainId, domain, registry, staking] = await Promise.all([
      getChainId(client),
      readDomain(client, address),
      read<Address>(client, address, ProposalsAbi, "registry", []),
      read<Address>(client, address, ProposalsAbi, "staking", []),
    ]);
    const rule: ProposalRule = {
      swarmId: config.swarmId as bigint,
      optionCount: Number(config.optionCount),
      voteStart: Number(config.voteStart),
      voteEnd: Number(config.voteEnd),
      weighting: WEIGHTINGS[Number(config.weighting)] ?? "head",
      quorumBps: Number(config.quorumBps),
      thresholdKind: THRESHOLD_KINDS[Number(config.thresholdKind)] ?? "majority",
      thresholdBps: Number(config.thresholdBps),
      excludeFlagged: Boolean(config.excludeFlagged),
      denominator: config.denominator as bigint,
    };
    const aggregator = new BallotAggregator(client, { kind: "proposal", address, chainId, proposalId: params.proposalId, rule }, domain, registry, staking);
    await aggregator.refreshTotal();
    return aggregator;
  }

  /**
   * Checks a ballot and, if the contract would count it, keeps it. Never throws for a bad ballot. Calls are
   * processed one at a time in call order (concurrent `add`s of one voter cannot both get in).
   */
  add(ballot: SignedBallot): Promise<AddResult> {
    return this.serialized(() => this.addNow(ballot));
  }

  private async addNow(ballot: SignedBallot): Promise<AddResult> {
    const voter = getAddress(ballot.message.voter);
    const reject = (reason: BallotRejection, message: string, evidence?: EquivocationEvidence): AddResult => {
      const error = new BallotError("ballot_rejected", reason, message, { voter });
      this.rejected.push({ ballot, error });
      return { accepted: false, voter, error, ...(evidence === undefined ? {} : { evidence }), status: this.status() };
    };
    const target = this.target;

    // 1. the right kind of ballot, signed for this chain and contract, about this subject
    if (ballot.kind !== target.kind) return reject("wrong_kind", `A ${ballot.kind} ballot given to a ${target.kind} aggregator`);
    const mismatch = domainMismatch(ballot.domain, this.domain);
    if (mismatch !== undefined) {
      return reject(mismatch, `Signed for chain ${String(ballot.domain.chainId)} / ${String(ballot.domain.verifyingContract)}, expected chain ${String(this.domain.chainId)} / ${String(this.domain.verifyingContract)}`);
    }
    if (target.kind === "election" && ballot.kind === "election") {
      const m = ballot.message;
      if (m.swarmId !== target.swarmId) return reject("wrong_swarm", `Ballot for swarm ${m.swarmId}, collecting swarm ${target.swarmId}`);
      if (m.term !== target.term) return reject("wrong_term", `Ballot for term ${m.term}, collecting term ${target.term}`);
      if (target.candidate !== undefined && !isAddressEqual(m.candidate, target.candidate)) {
        // a vote for someone else may still be the second half of an equivocation
        const verdict = await this.checkConflict(ballot, voter);
        if (verdict !== undefined) return reject("equivocation", verdict.message, verdict.evidence);
        return reject("wrong_candidate", `Ballot for ${m.candidate}, collecting votes for ${target.candidate}`);
      }
    } else if (target.kind === "proposal" && ballot.kind === "proposal") {
      const m = ballot.message;
      if (m.proposalId !== target.proposalId) return reject("wrong_proposal", `Ballot for proposal ${m.proposalId}, collecting proposal ${target.proposalId}`);
      if (!Number.isInteger(m.option) || m.option < 0 || m.option >= target.rule.optionCount) {
        return reject("invalid_option", `Option ${m.option} is not one of the proposal's ${target.rule.optionCount} options`);
      }
    }

    // 2. a valid signature by the voter (ECDSA, or EIP-1271 for a smart account)
    const verification = await verifyBallot(ballot, { client: this.client, domain: this.domain });
    if (!verification.valid) return reject(verification.reason, `The signature is not ${voter}'s`);

    // 3. one ballot per voter: the same again is a duplicate, a different vote is equivocation
    const key = voter.toLowerCase();
    if (this.equivocators.has(key)) return reject("equivocation", `${voter} already equivocated on this subject`);
    const vote = voteOf(ballot);
    const previous = this.held.get(key);
    if (previous !== undefined) {
      if (previous.vote === vote) return reject("duplicate", `${voter}'s ballot is already in`);
      const evidence = equivocationEvidence(previous.ballot, ballot);
      this.held.delete(key);
      this.equivocators.add(key);
      this.equivocations.push({ voter, evidence });
      return reject("equivocation", `${voter} signed two different votes on this subject`, evidence);
    }

    // 4. the contract would count it: member, not flagged (where it matters), some weight, not on chain yet
    const eligibility = await this.weightOf(voter);
    if (typeof eligibility === "string") return reject(eligibility, `${voter} cannot vote here (${eligibility})`);
    this.held.set(key, { ballot, weight: eligibility, vote });
    return { accepted: true, voter, weight: eligibility, status: this.status() };
  }

  /** The tally and whether the quorum (and, for proposals, the threshold) is reached. */
  status(): AggregatorStatus {
    const tallies: Record<string, bigint> = {};
    if (this.target.kind === "proposal") {
      const rule = this.target.rule;
      for (let i = 0; i < rule.optionCount; i++) tallies[String(i)] = this.chainTallies[i] ?? 0n;
      for (const held of this.held.values()) tallies[held.vote] = (tallies[held.vote] ?? 0n) + held.weight;
      let cast = 0n;
      let top = 0n;
      let leading: number | undefined;
      for (let i = 0; i < rule.optionCount; i++) {
        const t = tallies[String(i)]!;
        cast += t;
        if (t > top) {
          top = t;
          leading = i;
        }
      }
      const quorumReached = cast > 0n && cast * 10_000n >= BigInt(rule.quorumBps) * rule.denominator;
      const thresholdMet =
        rule.thresholdKind === "majority" ? top * 2n > cast : rule.thresholdKind === "supermajority" ? top * 10_000n >= BigInt(rule.thresholdBps) * cast : top === cast;
      const needed = (BigInt(rule.quorumBps) * rule.denominator + 9_999n) / 10_000n;
      return { weight: cast, total: rule.denominator, needed: needed > 0n ? needed : 1n, reached: quorumReached && thresholdMet, leading, tallies, quorumReached, ballots: this.held.size };
    }
    for (const held of this.held.values()) tallies[held.vote] = (tallies[held.vote] ?? 0n) + held.weight;
    let leading: string | undefined = this.target.candidate?.toLowerCase();
    if (leading === undefined) {
      for (const [candidate, weight] of Object.entries(tallies)) if (leading === undefined || weight > tallies[leading]!) leading = candidate;
    }
    const weight = leading === undefined ? 0n : (tallies[leading] ?? 0n);
    const byzantine = this.target.rule.quorumKind === "byzantine";
    const reached = weight > 0n && (byzantine ? weight * 3n > this.total * 2n : weight * 2n > this.total);
    const needed = byzantine ? (this.total * 2n) / 3n + 1n : this.total / 2n + 1n;
    return { weight, total: this.total, needed, reached, leading: leading === undefined ? undefined : getAddress(leading), tallies, ballots: this.held.size };
  }

  /** The ballots to submit: the leading candidate's (election), or every held ballot (proposal). */
  ballots(): SignedBallot[] {
    if (this.target.kind === "proposal") return [...this.held.values()].map((h) => h.ballot);
    const leading = this.status().leading;
    if (leading === undefined) return [];
    const vote = String(leading).toLowerCase();
    return [...this.held.values()].filter((h) => h.vote === vote).map((h) => h.ballot);
  }

  /** Weight of each held voter (lowercase address). */
  weights(): Record<string, bigint> {
    return Object.fromEntries([...this.held.entries()].map(([voter, h]) => [voter, h.weight]));
  }

  /**
   * Re-reads what the chain decides with: the quorum's total, each held voter's eligibility and weight, and (for
   * proposals) the tallies on chain; held voters that voted on chain in the meantime are dropped.
   */
  refresh(): Promise<AggregatorStatus> {
    return this.serialized(() => this.refreshNow());
  }

  private async refreshNow(): Promise<AggregatorStatus> {
    await this.refreshTotal();
    for (const [key, held] of [...this.held.entries()]) {
      const weight = await this.weightOf(getAddress(key));
      if (typeof weight === "string") this.held.delete(key);
      else held.weight = weight;
    }
    return this.status();
  }

  /** Submits the ballots (see submitElection / submitBallots), then refreshes. Throws BallotError if none. */
  async submit(options: SubmitOptions): Promise<ElectionSubmission | BallotsSubmission> {
    const ballots = this.ballots();
    if (ballots.length === 0) throw new BallotError("ballot_mismatch", "empty", "No ballots to submit");
    const opts = { client: this.client, ...options };
    const result =
      this.target.kind === "election" ? await submitElection(ballots as SignedElectionBallot[], opts) : await submitBallots(ballots as SignedProposalBallot[], opts);
    if (this.target.kind === "proposal") await this.refresh();
    return result;
  }

  /** Election: `submit`, typed. */
  async submitElection(options: SubmitOptions): Promise<ElectionSubmission> {
    if (this.target.kind !== "election") throw new BallotError("ballot_mismatch", "wrong_kind", "Not an election aggregator");
    return (await this.submit(options)) as ElectionSubmission;
  }

  /** Proposal: `submit`, typed. */
  async submitBallots(options: SubmitOptions): Promise<BallotsSubmission> {
    if (this.target.kind !== "proposal") throw new BallotError("ballot_mismatch", "wrong_kind", "Not a proposal aggregator");
    return (await this.submit(options)) as BallotsSubmission;
  }

  // ---------------------------------------------------------------------------------------------

  /** Runs `task` after every task queued before it (adds and refreshes never interleave). */
  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refreshTotal(): Promise<void> {
    const target = this.target;
    if (target.kind === "election") {
      this.total =
        target.rule.weighting === "stake"
          ? await read<bigint>(this.client, this.staking, StakingAbi, "totalStake", [target.swarmId])
          : await read<bigint>(this.client, this.registry, SwarmRegistryAbi, "memberCount", [target.swarmId]);
    } else {
      const [perOption] = await read<readonly [readonly bigint[], bigint]>(this.client, target.address, ProposalsAbi, "tallies", [target.proposalId]);
      this.chainTallies = [...perOption];
      this.total = target.rule.denominator;
    }
  }

  /** The weight the contract would count for `voter` now, or why it would not count it. */
  private async weightOf(voter: Address): Promise<bigint | Extract<BallotRejection, "not_member" | "flagged" | "no_weight" | "already_voted">> {
    const target = this.target;
    const swarmId = target.kind === "election" ? target.swarmId : target.rule.swarmId;
    if (target.kind === "proposal" && (await read<boolean>(this.client, target.address, ProposalsAbi, "hasVoted", [target.proposalId, voter]))) return "already_voted";
    if (!(await read<boolean>(this.client, this.registry, SwarmRegistryAbi, "isMember", [swarmId, voter]))) return "not_member";
    const flagged = () => read<boolean>(this.client, this.staking, StakingAbi, "isFlagged", [swarmId, voter]);
    const stake = () => read<bigint>(this.client, this.staking, StakingAbi, "stakeOf", [swarmId, voter]);
    if (target.kind === "election") {
      // elect accepts these ballots with weight 0: keep them (harmless), but they do not help the quorum
      if (target.rule.weighting === "stake") return stake();
      if (target.rule.quorumKind === "byzantine" && (await flagged())) return 0n;
      return 1n;
    }
    if (target.rule.excludeFlagged && (await flagged())) return "flagged";
    if (target.rule.weighting === "head") return 1n;
    const weight = await stake();
    return weight === 0n ? "no_weight" : weight;
  }

  /** Whether `ballot` (for another candidate) conflicts with the voter's held ballot; records the evidence if so. */
  private async checkConflict(ballot: SignedBallot, voter: Address): Promise<{ message: string; evidence: EquivocationEvidence } | undefined> {
    const key = voter.toLowerCase();
    const previous = this.held.get(key);
    if (previous === undefined || previous.vote === voteOf(ballot)) return undefined;
    const verification = await verifyBallot(ballot, { client: this.client, domain: this.domain });
    if (!verification.valid) return undefined;
    const evidence = equivocationEvidence(previous.ballot, ballot);
    this.held.delete(key);
    this.equivocators.add(key);
    this.equivocations.push({ voter, evidence });
    return { message: `${voter} signed two different votes on this subject`, evidence };
  }
}

function voteOf(ballot: SignedBallot): string {
  return ballot.kind === "election" ? ballot.message.candidate.toLowerCase() : String(ballot.message.option);
}
