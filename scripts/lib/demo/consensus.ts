/**
 * The demo's consensus phase (after the coordination phases), on the demo's swarm:
 * - staking: six members stake ETH (the swarm's stake token becomes ETH), so votes can be stake-weighted and
 *   an equivocator has something to lose;
 * - leader election by signed ballots: members sign ElectionBallots, the SDK's BallotAggregator checks each
 *   one (wrong term, foreign chain, outsider, duplicate are turned away) and says when the quorum is there;
 *   one agent submits `elect`;
 * - fail-over: the leader stops heartbeating, its lease runs out (time travel), the swarm elects another
 *   leader for a higher term by stake (Byzantine quorum); the old leader's heartbeat is rejected as stale;
 * - lock contention: two agents want the same lock, the first one's lease expires, the second takes it with
 *   a higher fencing token; the stale holder's renew / release revert and the SDK's fencing check says false;
 * - slashing: an agent that signed ballots for two candidates in one term is reported with the two ballots
 *   as evidence; Staking slashes it and rewards the reporter;
 * - a proposal with an action (pay gus 0.1 ETH, escrowed at creation) passes by relayed signed ballots and is
 *   executed.
 * Every step prints what happened, with the contracts' custom errors decoded by the SDK.
 */
import { formatEther, getAddress, keccak256, parseEther, stringToHex, toHex, type Abi, type Address, type Chain, type PublicClient, type TestClient, type Transport } from "viem";
import {
  BallotAggregator,
  formatConcordError,
  isCurrentLeader,
  isCurrentLockToken,
  LeaderElectionAbi,
  LockManagerAbi,
  ProposalsAbi,
  readDomain,
  reportEquivocation,
  signElectionBallot,
  signProposalBallot,
  StakingAbi,
  type AddResult,
  type ConsensusAddresses,
  type DecodedRevert,
  type SignedBallot,
} from "../../../sdk/index.ts";
import { eventOf, makeSender, type Agent, type Outcome } from "./agents.ts";
import { short } from "./format.ts";

export type ConsensusAgents = { alice: Agent; bob: Agent; carol: Agent; dave: Agent; erin: Agent; frank: Agent; gus: Agent; relay: Agent };

export type ConsensusContext = {
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient;
  addresses: ConsensusAddresses;
  swarmId: bigint;
  agents: ConsensusAgents;
  log: (line: string) => void;
};

export type ConsensusReport = {
  election: { first: { leader: Address; term: bigint; votes: bigint; total: bigint }; second: { leader: Address; term: bigint; votes: bigint; total: bigint } };
  /** The ballots the aggregator turned away, by reason. */
  rejected: string[];
  staleHeartbeat: DecodedRevert | undefined;
  lock: { staleToken: bigint; newToken: bigint; staleRenew: DecodedRevert | undefined; staleRelease: DecodedRevert | undefined; staleCurrent: boolean; newCurrent: boolean };
  slash: { member: Address; reporter: Address; amount: bigint; reward: bigint };
  proposal: { id: bigint; outcome: string; counted: number; paid: bigint };
};

const ELECTION_LEASE = 120;
const LOCK_TTL = 60;
const VOTING_PERIOD = 300;
const LOCK_NAME = stringToHex("demo/deploy", { size: 32 });
const MODE = { Lease: 1, Vote: 2 } as const;
const QUORUM = { Majority: 0, Byzantine: 1 } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;
const OUTCOMES = ["none", "passed", "rejected", "quorum_not_reached"] as const;

function describe(outcome: Outcome): string {
  if (outcome.ok) return "ok";
  if (outcome.error === undefined) return `reverted (${outcome.raw instanceof Error ? outcome.raw.message : String(outcome.raw)})`;
  return formatConcordError(outcome.error);
}

export async function runConsensusPhase(ctx: ConsensusContext): Promise<ConsensusReport> {
  const { publicClient, testClient, addresses, swarmId, log } = ctx;
  const { alice, bob, carol, dave, erin, frank, gus, relay } = ctx.agents;
  const all = [alice, bob, carol, dave, erin, frank, gus, relay];
  const nameOf = (address: unknown) => all.find((a) => a.address.toLowerCase() === String(address).toLowerCase())?.name ?? short(String(address));
  const { attempt, send } = makeSender(publicClient, [StakingAbi, LockManagerAbi, LeaderElectionAbi, ProposalsAbi] as unknown as Abi[]);
  const staking = { address: addresses.Staking, abi: StakingAbi } as const;
  const election = { address: addresses.LeaderElection, abi: LeaderElectionAbi } as const;
  const locks = { address: addresses.LockManager, abi: LockManagerAbi } as const;
  const proposals = { address: addresses.Proposals, abi: ProposalsAbi } as const;
  const travel = async (seconds: number) => {
    await testClient.increaseTime({ seconds });
    await testClient.mine({ blocks: 1 });
  };
  const eth = (wei: bigint) => `${formatEther(wei)} ETH`;
  const rejected: string[] = [];
  /** One line per ballot: who, what, and the aggregator's verdict and tally. */
  const show = (who: string, what: string, result: AddResult, unit: (w: bigint) => string, reachedLabel = "QUORUM REACHED") => {
    const s = result.status;
    const verdict = result.accepted ? `accepted (weight ${unit(result.weight)})` : `rejected: ${result.error.reason}`;
    if (!result.accepted) rejected.push(result.error.reason);
    log(`      ${who.padEnd(6)} ${what.padEnd(22)} → ${verdict.padEnd(30)} ${unit(s.weight)} of ${unit(s.total)}${s.reached ? `  ${reachedLabel}` : ` (needs ${unit(s.needed)})`}`);
  };
  const heads = (w: bigint) => `${w}`;

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[9] Consensus: stake, elect a leader by signed ballots, fail over, fence a lock, slash a cheat, pass a proposal");
  const stakes: [Agent, bigint][] = [
    [alice, parseEther("1")],
    [bob, parseEther("1")],
    [carol, parseEther("2")],
    [dave, parseEther("1")],
    [erin, parseEther("1")],
    [frank, parseEther("1")],
  ];
  for (const [agent, amount] of stakes) await send(agent, { ...staking, functionName: "stake", args: [swarmId, amount], value: amount });
  const totalStake = await publicClient.readContract({ ...staking, functionName: "totalStake", args: [swarmId] });
  log(`    stakes (ETH, the swarm's stake token): ${stakes.map(([a, v]) => `${a.name} ${formatEther(v)}`).join(", ")} → total ${eth(totalStake)}; gus and relay hold none`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log(`[9a] Leader election by signed ballots (vote mode, majority of heads, ${ELECTION_LEASE} s lease)`);
  await send(alice, { ...election, functionName: "configure", args: [swarmId, MODE.Vote, ELECTION_LEASE, QUORUM.Majority, WEIGHT.Head] });
  const electionDomain = await readDomain(publicClient, addresses.LeaderElection);
  const first = await BallotAggregator.forElection(publicClient, { election: addresses.LeaderElection, swarmId, term: 1n, candidate: bob.address });
  log(`    BallotAggregator (SDK) for term 1, candidate bob; the rule read from the chain: ${first.target.kind === "election" ? `${first.target.rule.quorumKind}, ${first.target.rule.weighting}` : ""}, ${first.status().total} members`);
  const electionBallot = (agent: Agent, term: bigint, candidate: Agent, domain = electionDomain) =>
    signElectionBallot(agent.account, domain, { swarmId, term, candidate: candidate.address, voter: agent.address });
  const offer = async (agent: Agent, what: string, ballot: SignedBallot, unit = heads) => show(agent.name, what, await first.add(ballot), unit);
  await offer(alice, "bob, term 1", await electionBallot(alice, 1n, bob));
  await offer(erin, "bob, term 2 (typo)", await electionBallot(erin, 2n, bob));
  await offer(gus, "bob, term 1, chain 1", await electionBallot(gus, 1n, bob, { ...electionDomain, chainId: 1 }));
  await offer(relay, "bob, term 1", await electionBallot(relay, 1n, bob));
  const bobBallot = await electionBallot(bob, 1n, bob);
  await offer(bob, "bob, term 1", bobBallot);
  await offer(bob, "bob, term 1 (again)", bobBallot);
  await offer(carol, "bob, term 1", await electionBallot(carol, 1n, bob));
  await offer(dave, "bob, term 1", await electionBallot(dave, 1n, bob));
  if (!first.status().reached) throw new Error("the first election did not reach its quorum");
  const elected = await first.submitElection({ wallet: carol.wallet });
  const e1 = elected.event;
  log(
    `    carol submitted elect(swarm ${swarmId}, term 1, bob, ${elected.voters.length} voters sorted ascending, compact signatures) → LeaderElected(${nameOf(e1.leader)}, term ${e1.term}, votes ${e1.votesWeight}/${e1.totalWeight}, lease until ${e1.leaseExpiresAt})`,
  );
  const beat = await send(bob, { ...election, functionName: "heartbeat", args: [swarmId, 1n] });
  log(`    bob heartbeat(term 1) → lease until ${eventOf(beat, "LeaderHeartbeat").leaseExpiresAt}; isCurrentLeader(bob, term 1) = ${await isCurrentLeader(publicClient, addresses.LeaderElection, swarmId, bob.address, 1n)}`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[9b] The leader crashes: no more heartbeats");
  await travel(ELECTION_LEASE + 1);
  log(`    evm_increaseTime ${ELECTION_LEASE + 1} s: bob's lease is over; isCurrentLeader(bob, term 1) = ${await isCurrentLeader(publicClient, addresses.LeaderElection, swarmId, bob.address, 1n)}`);
  await send(alice, { ...election, functionName: "configure", args: [swarmId, MODE.Vote, ELECTION_LEASE, QUORUM.Byzantine, WEIGHT.Stake] });
  log("    alice reconfigured the election: vote mode, Byzantine quorum (> 2/3), weighted by stake");
  const second = await BallotAggregator.forElection(publicClient, { election: addresses.LeaderElection, swarmId, candidate: carol.address });
  const term2 = second.target.kind === "election" ? second.target.term : 0n;
  // ETH with at most 3 decimals, rounded up (a "needs" figure must not understate the quorum)
  const inEth = (w: bigint) => {
    const milli = (w + 10n ** 15n - 1n) / 10n ** 15n;
    return formatEther(milli * 10n ** 15n);
  };
  const offer2 = async (agent: Agent, what: string, ballot: SignedBallot) => show(agent.name, what, await second.add(ballot), inEth);
  log(`    BallotAggregator for term ${term2} (current term + 1), candidate carol; weights from Staking, total ${eth(second.status().total)}:`);
  await offer2(carol, `carol, term ${term2}`, await electionBallot(carol, term2, carol));
  await offer2(dave, `carol, term ${term2}`, await electionBallot(dave, term2, carol));
  const frankForCarol = await electionBallot(frank, term2, carol);
  const frankForDave = await electionBallot(frank, term2, dave);
  await offer2(frank, `carol, term ${term2}`, frankForCarol);
  await offer2(frank, `dave, term ${term2} (!)`, frankForDave);
  log(`             frank signed two candidates in one term: the aggregator dropped frank's ballots and kept both as evidence`);
  await offer2(erin, `carol, term ${term2}`, await electionBallot(erin, term2, carol));
  await offer2(alice, `carol, term ${term2}`, await electionBallot(alice, term2, carol));
  if (!second.status().reached) throw new Error("the second election did not reach its quorum");
  const reelected = await second.submitElection({ wallet: erin.wallet });
  const e2 = reelected.event;
  log(`    erin submitted elect → LeaderElected(${nameOf(e2.leader)}, term ${e2.term}, stake ${formatEther(e2.votesWeight)}/${formatEther(e2.totalWeight)} ETH, previous leader ${nameOf(e2.previousLeader)})`);
  const stale = await attempt(bob, { ...election, functionName: "heartbeat", args: [swarmId, 1n] });
  log(`    bob came back and sent heartbeat(term 1) → ${describe(stale)}`);
  if (stale.ok) throw new Error("a stale leader renewed its lease");
  log(
    `    fencing (SDK isCurrentLeader): bob term 1 = ${await isCurrentLeader(publicClient, addresses.LeaderElection, swarmId, bob.address, 1n)}, carol term ${term2} = ${await isCurrentLeader(publicClient, addresses.LeaderElection, swarmId, carol.address, term2)}`,
  );

  // ---------------------------------------------------------------------------------------------
  log("");
  log(`[9c] Two agents contend for the lock "demo/deploy" (fencing tokens)`);
  const daveLock = await send(dave, { ...locks, functionName: "acquire", args: [swarmId, LOCK_NAME, LOCK_TTL] });
  const staleToken = eventOf(daveLock, "LockAcquired").token as bigint;
  log(`    dave acquire(ttl ${LOCK_TTL} s) → token ${staleToken}`);
  const busy = await attempt(erin, { ...locks, functionName: "acquire", args: [swarmId, LOCK_NAME, 600] });
  log(`    erin acquire → ${describe(busy)}`);
  await travel(LOCK_TTL + 1);
  const erinLock = await send(erin, { ...locks, functionName: "acquire", args: [swarmId, LOCK_NAME, 600] });
  const acquiredArgs = eventOf(erinLock, "LockAcquired");
  const newToken = acquiredArgs.token as bigint;
  log(`    dave stalled; evm_increaseTime ${LOCK_TTL + 1} s; erin acquire(ttl 600 s) → token ${newToken} (took over ${nameOf(acquiredArgs.previousHolder)}'s expired token ${acquiredArgs.previousToken})`);
  const staleRenew = await attempt(dave, { ...locks, functionName: "renew", args: [swarmId, LOCK_NAME, staleToken, LOCK_TTL] });
  const staleRelease = await attempt(dave, { ...locks, functionName: "release", args: [swarmId, LOCK_NAME, staleToken] });
  log(`    dave woke up: renew(token ${staleToken}) → ${describe(staleRenew)}`);
  log(`                  release(token ${staleToken}) → ${describe(staleRelease)}`);
  if (staleRenew.ok || staleRelease.ok) throw new Error("a stale lock token was accepted");
  const staleCurrent = await isCurrentLockToken(publicClient, addresses.LockManager, swarmId, "demo/deploy", staleToken);
  const newCurrent = await isCurrentLockToken(publicClient, addresses.LockManager, swarmId, "demo/deploy", newToken);
  log(`    a downstream service checks the presented token (SDK isCurrentLockToken): token ${staleToken} = ${staleCurrent} (reject dave), token ${newToken} = ${newCurrent} (accept erin)`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[9d] Slashing the equivocator");
  const evidence = second.equivocations[0]?.evidence;
  if (evidence === undefined) throw new Error("the aggregator kept no equivocation evidence");
  const frankBefore = await publicClient.readContract({ ...staking, functionName: "stakeInfo", args: [swarmId, frank.address] });
  const slashed = await reportEquivocation(evidence, { wallet: dave.wallet, client: publicClient, staking: addresses.Staking });
  const s = slashed.event;
  log(`    dave reported frank's two term-${term2} ballots (for carol, for dave) to Staking.slash, checked by LeaderElection.checkEquivocation:`);
  log(
    `    MemberSlashed(${nameOf(s.member)}, ${eth(s.amount)} of ${eth(frankBefore.active)}, reward ${eth(s.reward)} to ${nameOf(s.reporter)}, ${eth(s.amount - s.reward)} burned); frank flagged = ${await publicClient.readContract({ ...staking, functionName: "isFlagged", args: [swarmId, frank.address] })}, swarm stake now ${eth(s.totalStake)}`,
  );

  // ---------------------------------------------------------------------------------------------
  log("");
  const bonus = parseEther("0.1");
  log(`[9e] A proposal with an action: pay gus ${eth(bonus)} (escrowed at creation), by relayed signed ballots`);
  const now = (await publicClient.getBlock()).timestamp;
  const action = { target: gus.address, value: bonus, data: "0x" as const };
  const created = await send(alice, {
    ...proposals,
    functionName: "create",
    args: [
      {
        swarmId,
        descriptionURI: `ipfs://concord-demo/proposal/bonus-gus/${swarmId}`,
        descriptionHash: keccak256(toHex(`bonus gus ${swarmId}`)),
        optionCount: 2,
        voteStart: 0,
        voteEnd: Number(now) + VOTING_PERIOD,
        revealEnd: 0,
        votingMode: 0,
        weighting: WEIGHT.Head,
        quorumBps: 5000,
        thresholdKind: 0,
        thresholdBps: 0,
        excludeFlagged: true,
        action,
      },
    ],
    value: bonus,
  });
  const proposalId = eventOf(created, "ProposalCreated").proposalId as bigint;
  log(`    alice created proposal #${proposalId}: option 0 = pay, option 1 = don't; one vote per member, quorum 50%, majority, flagged members excluded, ${VOTING_PERIOD} s`);
  const votes = await BallotAggregator.forProposal(publicClient, { proposals: addresses.Proposals, proposalId });
  const proposalsDomain = await readDomain(publicClient, addresses.Proposals);
  const proposalBallot = (agent: Agent, option: number, id = proposalId) => signProposalBallot(agent.account, proposalsDomain, { proposalId: id, option, voter: agent.address });
  const offer3 = async (agent: Agent, what: string, ballot: SignedBallot) => show(agent.name, what, await votes.add(ballot), heads, "WOULD PASS (quorum and majority)");
  for (const [agent, option] of [[alice, 0], [bob, 0], [dave, 1], [carol, 0]] as const) await offer3(agent, `option ${option}`, await proposalBallot(agent, option));
  await offer3(frank, "option 0", await proposalBallot(frank, 0));
  await offer3(gus, `option 0, proposal #${proposalId + 1n}`, await proposalBallot(gus, 0, proposalId + 1n));
  await offer3(gus, "option 0", await proposalBallot(gus, 0));
  await offer3(erin, "option 0", await proposalBallot(erin, 0));
  const cast = await votes.submitBallots({ wallet: relay.wallet });
  log(`    relay (not a member) submitted castVotesBySig with ${cast.counted.length} ballots → counted ${cast.counted.length}, skipped ${cast.skipped.length}`);
  await travel(VOTING_PERIOD + 1);
  const finalized = await send(bob, { ...proposals, functionName: "finalize", args: [proposalId] });
  const fin = eventOf(finalized, "ProposalFinalized");
  const outcome = OUTCOMES[Number(fin.outcome)] ?? String(fin.outcome);
  log(`    evm_increaseTime ${VOTING_PERIOD + 1} s; bob finalize → ${outcome} (tallies ${(fin.tallies as bigint[]).join(" / ")}, ${fin.totalCast} of ${fin.denominator} members voted)`);
  const gusBefore = await publicClient.getBalance({ address: gus.address });
  const executed = await send(erin, { ...proposals, functionName: "execute", args: [proposalId, action] });
  const paid = (await publicClient.getBalance({ address: gus.address })) - gusBefore;
  log(`    erin execute → ProposalExecuted(target ${nameOf(eventOf(executed, "ProposalExecuted").target)}, ${eth(eventOf(executed, "ProposalExecuted").value as bigint)}): gus's balance +${eth(paid)}`);

  return {
    election: {
      first: { leader: getAddress(e1.leader), term: e1.term, votes: e1.votesWeight, total: e1.totalWeight },
      second: { leader: getAddress(e2.leader), term: e2.term, votes: e2.votesWeight, total: e2.totalWeight },
    },
    rejected,
    staleHeartbeat: stale.ok ? undefined : stale.error,
    lock: { staleToken, newToken, staleRenew: staleRenew.ok ? undefined : staleRenew.error, staleRelease: staleRelease.ok ? undefined : staleRelease.error, staleCurrent, newCurrent },
    slash: { member: getAddress(s.member), reporter: getAddress(s.reporter), amount: s.amount, reward: s.reward },
    proposal: { id: proposalId, outcome, counted: cast.counted.length, paid },
  };
}
