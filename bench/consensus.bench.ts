/**
 * Consensus gas benchmark (`npm run bench consensus`): Concord's Proposals, LockManager and LeaderElection
 * against OpenZeppelin 5's Governor (BenchGovernor over BenchVotesToken, contracts/mocks/), all deployed on one
 * in-process Hardhat chain. Every figure is `gasUsed` from a mined transaction's receipt (21,000 + calldata
 * included). Where a target is missed, the transaction is profiled (debug_traceTransaction) and the breakdown
 * is put in the metric's notes.
 *
 * Scenarios ("returning voter" = a member who has voted on an earlier proposal, so Proposals already gave it its
 * global voter index; "first-time voter" pays that one-off 22k SSTORE). A single vote's headline figure is the
 * median over votes 2..10 of a proposal (the first vote on a proposal also pays for new tally/bitmap slots, in
 * both systems), and is reported separately.
 *
 * `BENCH_OPCODES=1 npm run bench consensus` also prints the costliest opcodes of each profiled transaction.
 */
import { execFileSync } from "node:child_process";
import { network } from "hardhat";
import { encodeFunctionData, keccak256, parseEther, toHex, zeroAddress, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { atMost, type BenchResult, type Metric } from "./lib/result.ts";
import { describeProfile, mined, profileTx } from "./lib/gas.ts";
import { batchArgs, leaderElectionDomain, proposalsDomain, signElectionBallot, signProposalBallot, sortedElection } from "../test/helpers/ballots.ts";

const OPEN_SWARM = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const S1 = 1n; // wallets 0..9 + 100 relayed voters: proposals, locks
const S2 = 2n; // wallets 10..19 (10 members): leader election
const MODE = { Open: 0 } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;
const ELECTION = { Lease: 1, Vote: 2 } as const;
const QUORUM = { Majority: 0, Byzantine: 1 } as const;
const DAY = 24 * 3600;
const BATCH = 100;
const DESCRIPTION = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
/** The "empty action" both systems execute: a call with no data and no value to an account without code. */
const NOOP_TARGET: Address = "0x000000000000000000000000000000000000dEaD";

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};
const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

export default async function run(): Promise<BenchResult> {
  const started = performance.now();
  // deploys come from artifacts: make sure they match the sources (incremental, a no-op when up to date)
  execFileSync("npx", ["hardhat", "build", "--quiet"], { stdio: "inherit" });
  const buildSeconds = (performance.now() - started) / 1000;

  const { viem, networkHelpers } = await network.create();
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const chainId = await publicClient.getChainId();
  const wallets = await viem.getWalletClients();
  const w = (i: number): WalletClient => wallets[i]!;
  const addr = (x: WalletClient): Address => x.account!.address;
  const gas = (tx: Promise<Hex>) => mined(publicClient, tx);
  const now = async () => Number((await publicClient.getBlock()).timestamp);

  // 100 relayed voters: local keys (they only sign ballots; they send their own join/stake/delegate txs)
  const relayed: PrivateKeyAccount[] = Array.from({ length: BATCH }, (_, i) => privateKeyToAccount(keccak256(toHex(`concord-bench-voter-${i}`))));
  for (const a of relayed) await networkHelpers.setBalance(a.address, parseEther("100"));

  // ---------------------------------------------------------------------------------------------------------
  // Concord deployment
  // ---------------------------------------------------------------------------------------------------------
  const registry = await viem.deployContract("SwarmRegistry");
  const staking = await viem.deployContract("Staking", [registry.address], { client: { wallet: wallets[0]! } });
  const proposals = await viem.deployContract("Proposals", [registry.address, staking.address]);
  const locks = await viem.deployContract("LockManager", [registry.address]);
  const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
  const labels: Record<Address, string> = {
    [registry.address]: "SwarmRegistry call",
    [staking.address]: "Staking call",
  };

  await registry.write.createSwarm([OPEN_SWARM, []], { account: w(0).account! });
  for (let i = 1; i < 10; i++) await registry.write.join([S1, ""], { account: w(i).account! });
  await registry.write.createSwarm([OPEN_SWARM, []], { account: w(10).account! });
  for (let i = 11; i < 20; i++) await registry.write.join([S2, ""], { account: w(i).account! });

  const createParams = async (over: { weighting?: number; quorumBps?: number; action?: { target: Address; value: bigint; data: Hex } } = {}) => ({
    swarmId: S1,
    descriptionURI: DESCRIPTION,
    descriptionHash: keccak256(toHex(DESCRIPTION)),
    optionCount: 2,
    voteStart: 0,
    voteEnd: (await now()) + DAY,
    revealEnd: 0,
    votingMode: MODE.Open,
    weighting: over.weighting ?? WEIGHT.Head,
    quorumBps: over.quorumBps ?? 1000,
    thresholdKind: 0,
    thresholdBps: 0,
    excludeFlagged: false,
    action: over.action ?? { target: zeroAddress, value: 0n, data: "0x" as Hex },
  });
  const createProposal = async (over: Parameters<typeof createParams>[0] = {}) => {
    const r = await gas(proposals.write.create([await createParams(over)], { account: w(0).account! }));
    return { ...r, id: await proposals.read.proposalCount() };
  };
  /** wallets 0..9 vote `option` directly; returns each vote's gas in order (and the hashes, for profiles). */
  const voteAll = async (id: bigint, option = 1) => {
    const txs: Array<{ gasUsed: number; hash: Hex }> = [];
    for (let i = 0; i < 10; i++) txs.push(await gas(proposals.write.castVote([id, option], { account: w(i).account! })));
    return Object.assign(
      txs.map((t) => t.gasUsed),
      { hashes: txs.map((t) => t.hash) },
    );
  };

  // ---------------------------------------------------------------------------------------------------------
  // Proposals: creation and single votes
  // ---------------------------------------------------------------------------------------------------------
  const pFirst = await createProposal(); // the contract's very first proposal (proposal counter 0 -> 1)
  const ourCreate = await createProposal(); // a typical creation (counter already non-zero)
  const ourCreateAction = await createProposal({ action: { target: NOOP_TARGET, value: 0n, data: "0x" } });

  const firstTimeVotes = await voteAll(pFirst.id); // nobody had a voter index yet
  const returningVotes = await voteAll(ourCreate.id); // same voters on the next proposal
  // stake weighting: wallets 0..9 stake ETH in S1 (fixes ETH as the stake token)
  for (let i = 0; i < 10; i++) await staking.write.stake([S1, parseEther("1")], { account: w(i).account!, value: parseEther("1") });
  const pStake = await createProposal({ weighting: WEIGHT.Stake });
  const stakeVotes = await voteAll(pStake.id);
  // action proposal: 10 of 110 members vote option 0 (approve); quorum 5% = 5.5 heads
  const votesOnAction = await voteAll(ourCreateAction.id, 0);

  // ---------------------------------------------------------------------------------------------------------
  // Proposals: batches of 100 relayed signed ballots
  // ---------------------------------------------------------------------------------------------------------
  for (const a of relayed) await registry.write.join([S1, ""], { account: a });
  const domain = proposalsDomain(chainId, proposals.address);
  const batchOn = async (id: bigint) => {
    const signed = await Promise.all(relayed.map((a, i) => signProposalBallot(a, domain, { proposalId: id, option: i % 2, voter: a.address })));
    const { ballots, signatures } = batchArgs(signed);
    const r = await gas(proposals.write.castVotesBySig([id, ballots, signatures], { account: w(0).account! }));
    const [, total] = await proposals.read.tallies([id]);
    if (total === 0n) throw new Error("batch counted nothing");
    return r;
  };
  const batchFirstTime = await batchOn((await createProposal()).id);
  const batchReturning = await batchOn((await createProposal()).id);
  for (const a of relayed) await staking.write.stake([S1, parseEther("1")], { account: a, value: parseEther("1") });
  const batchStake = await batchOn((await createProposal({ weighting: WEIGHT.Stake })).id);

  // ---------------------------------------------------------------------------------------------------------
  // LockManager
  // ---------------------------------------------------------------------------------------------------------
  const lockName = keccak256(toHex("bench/lock"));
  const lockFresh = await gas(locks.write.acquire([S1, lockName, 60], { account: w(1).account! }));
  await networkHelpers.time.increase(61);
  const lockReacquire = await gas(locks.write.acquire([S1, lockName, 60], { account: w(2).account! }));
  const [, lockToken] = await locks.read.getLock([S1, lockName]);
  const lockRenew = await gas(locks.write.renew([S1, lockName, lockToken, 60], { account: w(2).account! }));
  const lockRelease = await gas(locks.write.release([S1, lockName, lockToken], { account: w(2).account! }));
  const lockAfterRelease = await gas(locks.write.acquire([S1, lockName, 60], { account: w(3).account! }));

  // ---------------------------------------------------------------------------------------------------------
  // LeaderElection (vote mode, 10 members, 7 signed ballots)
  // ---------------------------------------------------------------------------------------------------------
  const edomain = leaderElectionDomain(chainId, election.address);
  const voters7 = [11, 12, 13, 14, 15, 16, 17].map(w);
  const elect = async (term: bigint, candidate: Address) => {
    const signed = await Promise.all(voters7.map((v) => signElectionBallot(v, edomain, { swarmId: S2, term, candidate, voter: addr(v) })));
    const { voters, signatures } = sortedElection(signed);
    return gas(election.write.elect([S2, term, candidate, voters, signatures], { account: w(10).account! }));
  };
  await election.write.configure([S2, ELECTION.Vote, 600, QUORUM.Majority, WEIGHT.Head], { account: w(10).account! });
  const electFirst = await elect(1n, addr(w(11))); // seat never held
  const electChange = await elect(2n, addr(w(12))); // leadership change: w11 -> w12
  await election.write.configure([S2, ELECTION.Vote, 600, QUORUM.Byzantine, WEIGHT.Head], { account: w(10).account! });
  const electByzantine = await elect(3n, addr(w(13)));
  const heartbeat = await gas(election.write.heartbeat([S2, 3n], { account: w(13).account! }));

  // ---------------------------------------------------------------------------------------------------------
  // OpenZeppelin Governor (block-number clock)
  // ---------------------------------------------------------------------------------------------------------
  const govHolders = [...Array.from({ length: 10 }, (_, i) => addr(w(i))), relayed[0]!.address];
  const token = await viem.deployContract("BenchVotesToken", [govHolders, parseEther("100")]);
  const governor = await viem.deployContract("BenchGovernor", [token.address, 1, 50_400, 4n]);
  labels[token.address] = "BenchVotesToken call";
  for (let i = 0; i < 10; i++) await token.write.delegate([addr(w(i))], { account: w(i).account! });
  await token.write.delegate([relayed[0]!.address], { account: relayed[0]! });
  const govPropose = async (description: string) => {
    const args = [[NOOP_TARGET], [0n], ["0x" as Hex], description] as const;
    const r = await gas(governor.write.propose([...args], { account: w(0).account! }));
    const id = await governor.read.hashProposal([[NOOP_TARGET], [0n], ["0x"], keccak256(toHex(description))]);
    return { ...r, id };
  };
  const govFirst = await govPropose(DESCRIPTION); // first proposal
  const govCreate = await govPropose(`${DESCRIPTION}#2`); // second one (same description length + 2)
  await networkHelpers.mine(2); // past the 1-block voting delay
  const govVotes: number[] = [];
  const govVoteHashes: Hex[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await gas(governor.write.castVote([govCreate.id, 1], { account: w(i).account! }));
    govVotes.push(r.gasUsed);
    govVoteHashes.push(r.hash);
  }
  // one relayed ballot: Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)
  const govSig = await relayed[0]!.signTypedData({
    domain: { name: "Bench Governor", version: "1", chainId, verifyingContract: governor.address },
    types: { Ballot: [{ name: "proposalId", type: "uint256" }, { name: "support", type: "uint8" }, { name: "voter", type: "address" }, { name: "nonce", type: "uint256" }] },
    primaryType: "Ballot",
    message: { proposalId: govCreate.id, support: 1, voter: relayed[0]!.address, nonce: await governor.read.nonces([relayed[0]!.address]) },
  });
  const govBySig = await gas(governor.write.castVoteBySig([govCreate.id, 1, relayed[0]!.address, govSig], { account: w(0).account! }));
  await networkHelpers.mine(50_401);
  const govStateGas = Number(await publicClient.estimateGas({ account: addr(w(0)), to: governor.address, data: encodeFunctionData({ abi: governor.abi, functionName: "state", args: [govCreate.id] }) }));
  const govState = await governor.read.state([govCreate.id]);
  if (govState !== 4) throw new Error(`governor proposal not Succeeded (state ${govState})`);
  const govExecute = await gas(governor.write.execute([[NOOP_TARGET], [0n], ["0x"], keccak256(toHex(`${DESCRIPTION}#2`))], { account: w(0).account! }));

  // ---------------------------------------------------------------------------------------------------------
  // Proposals: finalize and execute (after every window closed)
  // ---------------------------------------------------------------------------------------------------------
  await networkHelpers.time.increase(DAY + 1);
  const ourFinalize = await gas(proposals.write.finalize([ourCreate.id], { account: w(0).account! }));
  const ourFinalizeAction = await gas(proposals.write.finalize([ourCreateAction.id], { account: w(0).account! }));
  const ourStateGas = Number(await publicClient.estimateGas({ account: addr(w(0)), to: proposals.address, data: encodeFunctionData({ abi: proposals.abi, functionName: "state", args: [ourCreate.id] }) }));
  const ourExecute = await gas(
    proposals.write.execute([ourCreateAction.id, { target: NOOP_TARGET, value: 0n, data: "0x" }], { account: w(0).account! }),
  );

  // ---------------------------------------------------------------------------------------------------------
  // Figures, targets, profiles of misses
  // ---------------------------------------------------------------------------------------------------------
  const ourVote = median(returningVotes.slice(1));
  const ourVoteFirstTime = median(firstTimeVotes.slice(1));
  const ourVoteStake = median(stakeVotes.slice(1));
  const govVote = median(govVotes.slice(1));
  const perBallot = (g: number) => Math.round(g / BATCH);

  // where the gas goes, for every headline transaction (also put in the notes of a missed target)
  const profiled: Array<{ operation: string; hash: Hex; per: number }> = [
    { operation: "Concord castVote (head, returning voter)", hash: returningVotes.hashes[5]!, per: 1 },
    { operation: "Concord castVote (stake, returning voter)", hash: stakeVotes.hashes[5]!, per: 1 },
    { operation: "Concord castVote (head, first-time voter)", hash: firstTimeVotes.hashes[5]!, per: 1 },
    { operation: "Governor castVote", hash: govVoteHashes[5]!, per: 1 },
    { operation: "Concord castVotesBySig x100 (returning), per ballot", hash: batchReturning.hash, per: BATCH },
    { operation: "Concord castVotesBySig x100 (stake), per ballot", hash: batchStake.hash, per: BATCH },
    { operation: "Concord castVotesBySig x100 (first-time), per ballot", hash: batchFirstTime.hash, per: BATCH },
    { operation: "Governor castVoteBySig", hash: govBySig.hash, per: 1 },
    { operation: "LockManager acquire (fresh)", hash: lockFresh.hash, per: 1 },
    { operation: "LockManager acquire (after expiry)", hash: lockReacquire.hash, per: 1 },
    { operation: "LeaderElection elect, change, 7 ballots", hash: electChange.hash, per: 1 },
    { operation: "LeaderElection elect, first leader, 7 ballots", hash: electFirst.hash, per: 1 },
    { operation: "Concord create (no action)", hash: ourCreate.hash, per: 1 },
    { operation: "Governor propose", hash: govCreate.hash, per: 1 },
    { operation: "Concord finalize", hash: ourFinalize.hash, per: 1 },
    { operation: "Governor execute (empty action)", hash: govExecute.hash, per: 1 },
  ];
  const breakdown = new Map<Hex, string>();
  const profiles: Array<Record<string, string | number>> = [];
  for (const p of profiled) {
    const prof = await profileTx(publicClient, p.hash, labels);
    const text = describeProfile(prof, p.per);
    breakdown.set(p.hash, text);
    profiles.push({ operation: p.operation, gas: Math.round(prof.gasUsed / p.per), breakdown: text });
    if (process.env.BENCH_OPCODES) {
      // debugging aid: the costliest depth-1 opcodes of each profiled transaction
      const top = Object.entries(prof.ops).sort((x, y) => y[1].gas - x[1].gas).slice(0, 25);
      console.log(`${p.operation}: ${top.map(([op, v]) => `${op} ${Math.round(v.gas / p.per)} (${Math.round((v.count / p.per) * 10) / 10}x)`).join(", ")}`);
    }
  }
  const withProfile = (m: Metric, hash: Hex): Metric => {
    if (m.pass === false) m.notes = `${m.notes ? `${m.notes}. ` : ""}Where the gas goes: ${breakdown.get(hash)}`;
    return m;
  };
  const voteTarget = Math.floor(govVote * 0.7);
  const metrics: Metric[] = [
    withProfile(
      atMost("proposals.castVote head (returning voter) vs 0.7x Governor", ourVote, "gas", voteTarget, `Governor castVote median ${govVote}; ratio ${ratio(ourVote, govVote)}`),
      returningVotes.hashes[5]!,
    ),
    withProfile(atMost("proposals.castVote stake (returning voter) vs 0.7x Governor", ourVoteStake, "gas", voteTarget, `ratio ${ratio(ourVoteStake, govVote)}`), stakeVotes.hashes[5]!),
    withProfile(
      atMost("proposals.castVote head (first-time voter) vs 0.7x Governor", ourVoteFirstTime, "gas", voteTarget, `ratio ${ratio(ourVoteFirstTime, govVote)}; a voter's first vote ever also assigns its global voter index`),
      firstTimeVotes.hashes[5]!,
    ),
    withProfile(atMost("proposals.castVotesBySig 100 ballots, per ballot (returning)", perBallot(batchReturning.gasUsed), "gas/ballot", 12_000), batchReturning.hash),
    withProfile(atMost("proposals.castVotesBySig 100 ballots, per ballot (stake, returning)", perBallot(batchStake.gasUsed), "gas/ballot", 12_000), batchStake.hash),
    withProfile(atMost("proposals.castVotesBySig 100 ballots, per ballot (first-time)", perBallot(batchFirstTime.gasUsed), "gas/ballot", 12_000), batchFirstTime.hash),
    { name: "governor.castVoteBySig, one ballot", value: govBySig.gasUsed, unit: "gas" },
    withProfile(atMost("lock.acquire fresh lock", lockFresh.gasUsed, "gas", 55_000), lockFresh.hash),
    withProfile(atMost("lock.acquire after expiry", lockReacquire.gasUsed, "gas", 55_000), lockReacquire.hash),
    withProfile(atMost("election.elect leadership change, 7 ballots", electChange.gasUsed, "gas", 120_000), electChange.hash),
    {
      name: "election.elect first leader, 7 ballots",
      value: electFirst.gasUsed,
      unit: "gas",
      notes: "not a change: the seat slot is written from zero (22.1k instead of 5k)",
    },
    { name: "election.elect Byzantine quorum, 7 ballots", value: electByzantine.gasUsed, unit: "gas" },
    { name: "proposals.create (no action)", value: ourCreate.gasUsed, unit: "gas", notes: `Governor propose ${govCreate.gasUsed}; ratio ${ratio(ourCreate.gasUsed, govCreate.gasUsed)}` },
    { name: "proposals.finalize", value: ourFinalize.gasUsed, unit: "gas", notes: `Governor has no finalize; its execute (empty action) ${govExecute.gasUsed}` },
    { name: "proposals.execute (empty action)", value: ourExecute.gasUsed, unit: "gas", notes: `Governor execute (empty action) ${govExecute.gasUsed}; ratio ${ratio(ourExecute.gasUsed, govExecute.gasUsed)}` },
    { name: "bench runtime (measurement, excluding the contract build)", value: 0, unit: "s", notes: `contract build check took ${buildSeconds.toFixed(1)} s` },
  ];

  const row = (operation: string, concord: number | string, governor: number | string, target = "") => ({
    operation,
    concord,
    governor,
    ratio: typeof concord === "number" && typeof governor === "number" ? ratio(concord, governor) : "",
    target,
  });
  const tables = {
    gas: [
      row("vote, head weight, returning voter (median of votes 2-10)", ourVote, govVote, "<= 0.7x"),
      row("vote, stake weight, returning voter (median of votes 2-10)", ourVoteStake, govVote, "<= 0.7x"),
      row("vote, head weight, first-time voter (median of votes 2-10)", ourVoteFirstTime, govVote, "<= 0.7x"),
      row("vote, first vote on a proposal (returning voter)", returningVotes[0]!, govVotes[0]!, ""),
      row("vote, first vote on a proposal, first-time voter", firstTimeVotes[0]!, govVotes[0]!, ""),
      row("vote, action proposal option 0 (median of votes 2-10)", median(votesOnAction.slice(1)), govVote, ""),
      row("signed ballot in a batch of 100, per ballot (returning)", perBallot(batchReturning.gasUsed), govBySig.gasUsed, "<= 12000 per ballot"),
      row("signed ballot in a batch of 100, per ballot (first-time)", perBallot(batchFirstTime.gasUsed), govBySig.gasUsed, "<= 12000 per ballot"),
      row("signed ballot in a batch of 100, per ballot (stake)", perBallot(batchStake.gasUsed), govBySig.gasUsed, "<= 12000 per ballot"),
      row("batch of 100 signed ballots, whole tx (returning)", batchReturning.gasUsed, "", ""),
      row("lock acquire, fresh lock", lockFresh.gasUsed, "", "<= 55000"),
      row("lock acquire, after expiry", lockReacquire.gasUsed, "", "<= 55000"),
      row("lock acquire, after release", lockAfterRelease.gasUsed, "", ""),
      row("lock renew", lockRenew.gasUsed, "", ""),
      row("lock release", lockRelease.gasUsed, "", ""),
      row("leader change, 7 signed ballots (majority of 10)", electChange.gasUsed, "", "<= 120000"),
      row("first leader, 7 signed ballots (seat never held)", electFirst.gasUsed, "", ""),
      row("leader change, 7 ballots, Byzantine quorum (isFlagged each)", electByzantine.gasUsed, "", ""),
      row("leader heartbeat", heartbeat.gasUsed, "", ""),
      row("proposal creation (no action; Governor: 1 empty call)", ourCreate.gasUsed, govCreate.gasUsed, ""),
      row("proposal creation, with an empty action", ourCreateAction.gasUsed, govCreate.gasUsed, ""),
      row("first proposal ever on the contract", pFirst.gasUsed, govFirst.gasUsed, ""),
      row("finalize (Governor: none; its state() read shown)", ourFinalize.gasUsed, govStateGas, ""),
      row("finalize, action proposal", ourFinalizeAction.gasUsed, "", ""),
      row("state() read as a call (eth_estimateGas)", ourStateGas, govStateGas, ""),
      row("execute an empty action (target without code)", ourExecute.gasUsed, govExecute.gasUsed, ""),
    ],
    profiles,
    context: sourceContext(),
  };
  metrics[metrics.length - 1]!.value = Math.round((performance.now() - started) / 100 - buildSeconds * 10) / 10;
  return { area: "consensus", metrics, tables };
}

/** Which sources were measured: the commit, and any uncommitted change to a measured contract. */
function sourceContext(): Array<Record<string, string>> {
  const git = (args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
  const measured = ["contracts/consensus", "contracts/coordination/SwarmRegistry.sol", "contracts/mocks/BenchGovernor.sol", "contracts/mocks/BenchVotesToken.sol"];
  try {
    const dirty = git(["status", "--porcelain", "--", ...measured]);
    return [
      { key: "commit", value: git(["rev-parse", "HEAD"]) },
      { key: "uncommitted changes in measured contracts", value: dirty === "" ? "none" : dirty.split("\n").map((l) => l.trim()).join(", ") },
    ];
  } catch {
    return [{ key: "commit", value: "unknown (not a git checkout)" }];
  }
}
