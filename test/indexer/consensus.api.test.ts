/**
 * The consensus part of the indexer (LockManager, LeaderElection, Proposals, Staking) against a real chain:
 * the stack harness starts a Hardhat node, deploys Concord (with the Consensus Ignition module) and runs
 * Ponder on PGlite; this test sends transactions to every consensus contract — stakes and a withdrawal
 * request, a lock acquired / renewed / released / taken over after expiry, a lease campaign with a
 * heartbeat, a vote-mode election with EIP-712 ballots, proposals with direct, relayed-signed and
 * committed votes (one finalized, one cancelled), a slashing for equivocating election ballots — waits until
 * the indexer has indexed the last block, then checks the consensus /v1 routes and GraphQL against what the
 * chain says, plus the 400 / 404 JSON errors.
 */
import { type Abi, type Address, type Hex, keccak256, stringToHex, toHex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaderElectionAbi } from "../../indexer/abis/LeaderElectionAbi.ts";
import { LockManagerAbi } from "../../indexer/abis/LockManagerAbi.ts";
import { ProposalsAbi } from "../../indexer/abis/ProposalsAbi.ts";
import { StakingAbi } from "../../indexer/abis/StakingAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import { type DevWalletClient, type TestStack, startStack } from "../e2e/harness.ts";
import {
  batchArgs,
  leaderElectionDomain,
  proposalsDomain,
  signElectionBallot,
  signProposalBallot,
  sortedElection,
  voteCommitment,
} from "../helpers/ballots.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const bytes32 = (s: string) => stringToHex(s, { size: 32 });
const lower = (a: string) => a.toLowerCase();
const ETH = 10n ** 18n;
const PROPOSAL_STATES = [
  "none",
  "pending",
  "active",
  "revealing",
  "ended",
  "cancelled",
  "passed",
  "rejected",
  "quorum_not_reached",
  "executed",
] as const;
const ELECTION_MODES = ["none", "lease", "vote"] as const;

describe("indexer consensus API (REST /v1 + GraphQL) against the chain", () => {
  let stack: TestStack;
  let owner: DevWalletClient;
  let alice: DevWalletClient;
  let bob: DevWalletClient;
  let carol: DevWalletClient;
  let dave: DevWalletClient;
  let lastBlock = 0n;
  const RAW_LOCK = keccak256(toHex("concord/raw-lock"));
  let c: {
    registry: { address: Address; abi: typeof SwarmRegistryAbi };
    staking: { address: Address; abi: typeof StakingAbi };
    locks: { address: Address; abi: typeof LockManagerAbi };
    election: { address: Address; abi: typeof LeaderElectionAbi };
    proposals: { address: Address; abi: typeof ProposalsAbi };
  };

  async function send(
    label: string,
    wallet: DevWalletClient,
    call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint },
  ) {
    const hash = await wallet.writeContract(call as Parameters<DevWalletClient["writeContract"]>[0]);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status, label).toBe("success");
    if (receipt.blockNumber > lastBlock) lastBlock = receipt.blockNumber;
    return receipt;
  }

  const read = <T,>(contract: { address: Address; abi: Abi }, functionName: string, args: readonly unknown[]) =>
    stack.publicClient.readContract({ ...contract, functionName, args } as never) as Promise<T>;

  async function increaseTime(seconds: number) {
    await stack.publicClient.request({ method: "evm_increaseTime", params: [seconds] } as never);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
  }

  async function get(path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(stack.apiUrl + path);
    return { status: response.status, body: await response.json() };
  }

  async function ok(path: string): Promise<Json> {
    const { status, body } = await get(path);
    expect(status, `${path} → ${JSON.stringify(body)}`).toBe(200);
    return body;
  }

  beforeAll(async () => {
    stack = await startStack({ accounts: 5 });
    [owner, alice, bob, carol, dave] = stack.walletClients as [
      DevWalletClient,
      DevWalletClient,
      DevWalletClient,
      DevWalletClient,
      DevWalletClient,
    ];
    const at = (name: string) => stack.addresses[name]!;
    c = {
      registry: { address: at("SwarmRegistry"), abi: SwarmRegistryAbi },
      staking: { address: at("Staking"), abi: StakingAbi },
      locks: { address: at("LockManager"), abi: LockManagerAbi },
      election: { address: at("LeaderElection"), abi: LeaderElectionAbi },
      proposals: { address: at("Proposals"), abi: ProposalsAbi },
    };
    const registry = c.registry as { address: Address; abi: Abi };
    const staking = c.staking as { address: Address; abi: Abi };
    const locks = c.locks as { address: Address; abi: Abi };
    const election = c.election as { address: Address; abi: Abi };
    const proposals = c.proposals as { address: Address; abi: Abi };

    // --- swarm 1 (open): owner + alice, bob, carol; dave stays outside (relayer) -------------------------
    await send("createSwarm", owner, {
      ...registry,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "ipfs://consensus" }, []],
    });
    for (const [label, w] of [["alice", alice], ["bob", bob], ["carol", carol]] as const) {
      await send(`join-${label}`, w, { ...registry, functionName: "join", args: [1n, `ipfs://${label}`] });
    }
    // swarm 2: no election, no proposals, no locks
    await send("createSwarm2", owner, {
      ...registry,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "ipfs://s2" }, []],
    });

    // --- Staking: ETH stakes, a withdrawal request ---------------------------------------------------
    await send("stakeOwner", owner, { ...staking, functionName: "stake", args: [1n, 10n * ETH], value: 10n * ETH });
    await send("stakeAlice", alice, { ...staking, functionName: "stake", args: [1n, 5n * ETH], value: 5n * ETH });
    await send("stakeCarol", carol, { ...staking, functionName: "stake", args: [1n, 2n * ETH], value: 2n * ETH });
    await send("withdrawReq", alice, { ...staking, functionName: "requestWithdrawal", args: [1n, 1n * ETH] });

    // --- LockManager: "deploy" acquired / renewed / released by alice, acquired by bob, whose lease
    //     expires and carol takes it over (token 3, previous bob/2); a raw bytes32 lock held by owner ---
    const deploy = bytes32("deploy");
    await send("acq1", alice, { ...locks, functionName: "acquire", args: [1n, deploy, 60] });
    await send("renew1", alice, { ...locks, functionName: "renew", args: [1n, deploy, 1n, 120] });
    await send("release1", alice, { ...locks, functionName: "release", args: [1n, deploy, 1n] });
    await send("acq2", bob, { ...locks, functionName: "acquire", args: [1n, deploy, 30] });
    await increaseTime(60);
    await send("acq3", carol, { ...locks, functionName: "acquire", args: [1n, deploy, 86_400] });
    await send("acqRaw", owner, { ...locks, functionName: "acquire", args: [1n, RAW_LOCK, 5] });

    // --- Proposals: #1 open vote (direct + relayed signed ballots) finalized; #2 cancelled;
    //     #3 commit-reveal with one commitment, still active -----------------------------------------
    const now = async () => (await stack.publicClient.getBlock()).timestamp;
    const createParams = (voteEnd: bigint, revealEnd: bigint, votingMode: number, uri: string) => ({
      swarmId: 1n,
      descriptionURI: uri,
      descriptionHash: keccak256(toHex(uri)),
      optionCount: 3,
      voteStart: 0,
      voteEnd: Number(voteEnd),
      revealEnd: Number(revealEnd),
      votingMode,
      weighting: 0,
      quorumBps: 5_000,
      thresholdKind: 0,
      thresholdBps: 0,
      excludeFlagged: false,
      action: { target: zeroAddress, value: 0n, data: "0x" },
    });
    await send("create1", alice, { ...proposals, functionName: "create", args: [createParams((await now()) + 100n, 0n, 0, "ipfs://p1")] });
    await send("vote1", owner, { ...proposals, functionName: "castVote", args: [1n, 1] });
    const pdomain = proposalsDomain(stack.chain.id, c.proposals.address);
    const signed = [
      await signProposalBallot(alice, pdomain, { proposalId: 1n, option: 1, voter: alice.account.address }),
      await signProposalBallot(bob, pdomain, { proposalId: 1n, option: 2, voter: bob.account.address }),
      // owner already voted: skipped, the rest counts
      await signProposalBallot(owner, pdomain, { proposalId: 1n, option: 2, voter: owner.account.address }),
    ];
    const { ballots, signatures } = batchArgs(signed);
    await send("votesBySig", dave, { ...proposals, functionName: "castVotesBySig", args: [1n, ballots, signatures] });
    await send("create2", bob, { ...proposals, functionName: "create", args: [createParams((await now()) + 100n, 0n, 0, "ipfs://p2")] });
    await send("cancel2", bob, { ...proposals, functionName: "cancel", args: [2n] });
    await increaseTime(101);
    await send("finalize1", dave, { ...proposals, functionName: "finalize", args: [1n] });
    const t3 = await now();
    await send("create3", carol, {
      ...proposals,
      functionName: "create",
      args: [createParams(t3 + 3_600n, t3 + 7_200n, 1, "ipfs://p3")],
    });
    const salt = keccak256(toHex("carol-salt"));
    await send("commit3", carol, {
      ...proposals,
      functionName: "commitVote",
      args: [3n, voteCommitment(3n, 0, salt, carol.account.address)],
    });

    // --- LeaderElection: lease mode (alice campaigns, heartbeats), then vote mode: bob elected for term 2
    //     with 3 of 4 signed ballots; carol signs two conflicting ballots for term 3 and is slashed --------
    await send("configLease", owner, { ...election, functionName: "configure", args: [1n, 1, 600, 0, 0] });
    await send("campaign", alice, { ...election, functionName: "campaign", args: [1n] });
    await send("heartbeat", alice, { ...election, functionName: "heartbeat", args: [1n, 1n] });
    await send("configVote", owner, { ...election, functionName: "configure", args: [1n, 2, 3_600, 0, 0] });
    const edomain = leaderElectionDomain(stack.chain.id, c.election.address);
    const electionBallots = await Promise.all(
      [owner, alice, bob].map((w) =>
        signElectionBallot(w, edomain, { swarmId: 1n, term: 2n, candidate: bob.account.address, voter: w.account.address }),
      ),
    );
    const { voters, signatures: electionSigs } = sortedElection(electionBallots);
    await send("elect", dave, {
      ...election,
      functionName: "elect",
      args: [1n, 2n, bob.account.address, voters, electionSigs],
    });
    const [a, b] = await Promise.all(
      [alice, bob].map((candidate) =>
        signElectionBallot(carol, edomain, { swarmId: 1n, term: 3n, candidate: candidate.account.address, voter: carol.account.address }),
      ),
    );
    await send("slash", dave, {
      ...staking,
      functionName: "slash",
      args: [{ source: c.election.address, ballotA: a!.encoded, sigA: a!.signature, ballotB: b!.encoded, sigB: b!.signature }],
    });

    // Wait until Ponder has indexed the last block (its /status answers the latest indexed block).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = (await (await fetch(`${stack.apiUrl}/status`)).json()) as Record<string, { block: { number: number } }>;
      const indexed = Object.values(status)[0]?.block.number ?? 0;
      if (BigInt(indexed) >= lastBlock) break;
      if (Date.now() > deadline) throw new Error(`indexer stuck at block ${indexed} < ${lastBlock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("deploys the consensus contracts with Ignition and trusts both ballot sources", async () => {
    for (const name of ["Staking", "LockManager", "LeaderElection", "Proposals"]) {
      expect(stack.deployment.contracts[name]?.address, name).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    expect(await read<boolean>(c.staking, "isBallotSource", [c.election.address])).toBe(true);
    expect(await read<boolean>(c.staking, "isBallotSource", [c.proposals.address])).toBe(true);
    expect(lower(await read<string>(c.election, "staking", []))).toBe(lower(c.staking.address));
    expect(lower(await read<string>(c.proposals, "staking", []))).toBe(lower(c.staking.address));
    const data = await stack.graphql<Json>(`{ ballotSources(orderBy: "source") { items { source trusted } } }`);
    expect(data.ballotSources.items).toEqual(
      [c.election.address, c.proposals.address].map((s) => ({ source: lower(s), trusted: true })).sort((x, y) => (x.source < y.source ? -1 : 1)),
    );
  });

  it("GET /v1/swarms/:id/leader matches currentLeader, electionConfig and isLeader", async () => {
    const [leader, term, leaseExpiresAt] = await read<[Address, bigint, number]>(c.election, "currentLeader", [1n]);
    const config = await read<{ mode: number; leaseDuration: number; quorumKind: number; weighting: number }>(
      c.election,
      "electionConfig",
      [1n],
    );
    const isLeader = await read<boolean>(c.election, "isLeader", [1n, leader, term]);
    const body = await ok("/v1/swarms/1/leader");
    expect(body).toMatchObject({
      swarmId: "1",
      mode: ELECTION_MODES[config.mode],
      leaseDuration: String(config.leaseDuration),
      quorumKind: "majority",
      weighting: "head",
      leader: lower(leader),
      term: term.toString(),
      leaseExpiresAt: String(leaseExpiresAt),
      electedHow: "vote",
      votesWeight: "3",
      totalWeight: "4",
      previousLeader: lower(alice.account.address),
      electionCount: 2,
      live: isLeader,
    });
    expect(body.leader).toBe(lower(bob.account.address));
    expect(body.term).toBe("2");
    expect(body.live).toBe(true);
    expect(BigInt(body.asOf.blockNumber)).toBeGreaterThanOrEqual(lastBlock);

    // A swarm without an election answers mode none (what the chain answers too).
    const empty = await ok("/v1/swarms/2/leader");
    expect(empty).toMatchObject({ swarmId: "2", mode: "none", term: "0", leader: null, leaseExpiresAt: null, live: false });

    const history = await stack.graphql<Json>(
      `{ leadershipEvents(where: { swarmId: "1" }, orderBy: "blockNumber") { items { kind term leader electedHow } } }`,
    );
    expect(history.leadershipEvents.items.map((e: Json) => e.kind)).toEqual([
      "configured",
      "elected",
      "heartbeat",
      "configured",
      "elected",
    ]);
    expect(history.leadershipEvents.items[1]).toMatchObject({ term: "1", leader: lower(alice.account.address), electedHow: "campaign" });
  });

  it("GET /v1/locks/:id matches getLock / isCurrent, with the takeover of an expired lease in history", async () => {
    const [holder, token, expiresAt] = await read<[Address, bigint, number]>(c.locks, "getLock", [1n, bytes32("deploy")]);
    const current = await read<boolean>(c.locks, "isCurrent", [1n, bytes32("deploy"), token]);
    const body = await ok("/v1/locks/1:deploy");
    const id = `1:${bytes32("deploy")}`;
    expect(body).toMatchObject({
      id,
      swarmId: "1",
      lockName: bytes32("deploy"),
      status: "held",
      state: "held",
      live: current,
      holder: lower(holder),
      token: token.toString(),
      expiresAt: String(expiresAt),
      acquireCount: 3,
      renewCount: 1,
      expiredCount: 1,
    });
    expect(body.token).toBe("3");
    expect(body.holder).toBe(lower(carol.account.address));
    expect(body.history.map((e: Json) => [e.kind, e.token, e.holder])).toEqual([
      ["acquired", "1", lower(alice.account.address)],
      ["renewed", "1", lower(alice.account.address)],
      ["released", "1", lower(alice.account.address)],
      ["acquired", "2", lower(bob.account.address)],
      ["acquired", "3", lower(carol.account.address)],
    ]);
    expect(body.history[3]).toMatchObject({ tookOverExpired: false, previousHolder: null, previousToken: null });
    expect(body.history[4]).toMatchObject({ tookOverExpired: true, previousHolder: lower(bob.account.address), previousToken: "2" });

    // The same lock by its hex name, with a percent-encoded colon, and under the swarm.
    for (const path of [`/v1/locks/${id}`, `/v1/locks/1%3Adeploy`, `/v1/swarms/1/locks/deploy`, `/v1/swarms/1/locks/${bytes32("deploy")}`]) {
      expect(await ok(path), path).toEqual(body);
    }

    // The raw lock's 5 s lease ended during the proposals' time jump: expired, not held, no one released it.
    const raw = await ok(`/v1/locks/1:${RAW_LOCK.toUpperCase().replace("0X", "0x")}`);
    const rawCurrent = await read<boolean>(c.locks, "isCurrent", [1n, RAW_LOCK, 1n]);
    expect(raw).toMatchObject({ id: `1:${RAW_LOCK}`, status: "held", state: "expired", live: rawCurrent, token: "1" });
    expect(rawCurrent).toBe(false);
  });

  it("GET /v1/proposals/:id matches tallies, outcome, state and votes", async () => {
    const [perOption, totalCast] = await read<[bigint[], bigint]>(c.proposals, "tallies", [1n]);
    const [outcome, winningOption] = await read<[number, number]>(c.proposals, "outcome", [1n]);
    const state = await read<number>(c.proposals, "state", [1n]);
    const p1 = await ok("/v1/proposals/1");
    expect(p1).toMatchObject({
      id: "1",
      swarmId: "1",
      proposer: lower(alice.account.address),
      descriptionUri: "ipfs://p1",
      optionCount: 3,
      votingMode: "open",
      weighting: "head",
      denominator: "4",
      status: PROPOSAL_STATES[state],
      state: PROPOSAL_STATES[state],
      outcome: ["none", "passed", "rejected", "quorum_not_reached"][outcome],
      winningOption,
      tallies: perOption.map(String),
      totalCast: totalCast.toString(),
      voteCount: 3,
      skippedCount: 1,
      actionTarget: null,
    });
    expect(p1.state).toBe("passed");
    expect(p1.options).toEqual([
      { index: 0, tally: "0" },
      { index: 1, tally: "2" },
      { index: 2, tally: "1" },
    ]);
    // Votes in chain order (one batch: by voter address).
    expect(p1.votes.map((v: Json) => [v.voter, v.method, v.option, v.weight, v.relayer])).toEqual([
      [lower(owner.account.address), "direct", 1, "1", null],
      ...[
        [lower(alice.account.address), "signed", 1, "1", lower(dave.account.address)],
        [lower(bob.account.address), "signed", 2, "1", lower(dave.account.address)],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    ]);
    for (const v of p1.votes) expect(await read<boolean>(c.proposals, "hasVoted", [1n, v.voter])).toBe(true);
    expect(p1.history.map((e: Json) => e.kind)).toEqual(["created", "vote_cast", "vote_skipped", "votes_cast", "finalized"]);
    expect(p1.history[2]).toMatchObject({ account: lower(owner.account.address), data: { reason: "already_voted" } });

    const p2 = await ok("/v1/proposals/2");
    expect(p2).toMatchObject({ status: "cancelled", state: PROPOSAL_STATES[await read<number>(c.proposals, "state", [2n])] });
    expect(p2.state).toBe("cancelled");

    const p3 = await ok("/v1/proposals/3");
    expect(p3.state).toBe(PROPOSAL_STATES[await read<number>(c.proposals, "state", [3n])]);
    expect(p3).toMatchObject({ state: "active", votingMode: "commit_reveal", commitCount: 1, voteCount: 0, tallies: ["0", "0", "0"] });
    expect(p3.votes).toEqual([
      expect.objectContaining({
        voter: lower(carol.account.address),
        method: "commit_reveal",
        status: "committed",
        option: null,
        weight: null,
        commitment: await read<Hex>(c.proposals, "commitmentOf", [3n, carol.account.address]),
      }),
    ]);
  });

  it("GET /v1/swarms/:id/proposals filters by state and paginates", async () => {
    const all = await ok("/v1/swarms/1/proposals");
    expect(all.items.map((p: Json) => [p.id, p.state])).toEqual([
      ["1", "passed"],
      ["2", "cancelled"],
      ["3", "active"],
    ]);
    expect(all.nextCursor).toBeNull();
    expect((await ok("/v1/swarms/1/proposals?status=active")).items.map((p: Json) => p.id)).toEqual(["3"]);
    expect((await ok("/v1/swarms/1/proposals?status=open")).items.map((p: Json) => p.id)).toEqual(["3"]);
    expect((await ok("/v1/swarms/1/proposals?status=passed,cancelled")).items.map((p: Json) => p.id)).toEqual(["1", "2"]);
    expect((await ok("/v1/swarms/1/proposals?status=ended,pending,revealing")).items).toEqual([]);
    const page1 = await ok("/v1/swarms/1/proposals?limit=2");
    expect(page1.items.map((p: Json) => p.id)).toEqual(["1", "2"]);
    expect(page1.nextCursor).toBe("2");
    const page2 = await ok(`/v1/swarms/1/proposals?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items.map((p: Json) => p.id)).toEqual(["3"]);
    expect(page2.nextCursor).toBeNull();
    expect((await ok("/v1/swarms/2/proposals")).items).toEqual([]);
  });

  it("GraphQL stakes, staking config and slashings equal the chain", async () => {
    const data = await stack.graphql<Json>(`{
      stakes(where: { swarmId: "1" }, orderBy: "member") { items { member active pending unlockAt flagged stakedTotal slashedTotal } }
      stakingConfig(swarmId: "1") { token tokenFixed withdrawalDelay slashBps rewardBps totalStake slashedTotal }
      slashings(where: { swarmId: "1" }) { items { member reporter amount reward burned source activeStake totalStake } }
    }`);
    expect(data.stakes.items).toHaveLength(3);
    for (const row of data.stakes.items) {
      const info = await read<{ active: bigint; pending: bigint; unlockAt: number; flagged: boolean }>(c.staking, "stakeInfo", [
        1n,
        row.member,
      ]);
      expect(row, row.member).toMatchObject({
        active: info.active.toString(),
        pending: info.pending.toString(),
        unlockAt: info.unlockAt === 0 ? null : String(info.unlockAt),
        flagged: info.flagged,
      });
    }
    const carolRow = data.stakes.items.find((r: Json) => r.member === lower(carol.account.address));
    expect(carolRow).toMatchObject({ active: String(ETH), flagged: true, stakedTotal: String(2n * ETH), slashedTotal: String(ETH) });
    const [delay, [slashBps, rewardBps], total] = await Promise.all([
      read<number>(c.staking, "withdrawalDelay", [1n]),
      read<[number, number]>(c.staking, "slashParams", [1n]),
      read<bigint>(c.staking, "totalStake", [1n]),
    ]);
    expect(data.stakingConfig).toEqual({
      token: zeroAddress,
      tokenFixed: true,
      withdrawalDelay: String(delay),
      slashBps,
      rewardBps,
      totalStake: total.toString(),
      slashedTotal: String(ETH),
    });
    expect(total).toBe(14n * ETH); // owner 10 + alice 4 (1 pending); carol flagged
    expect(data.slashings.items).toEqual([
      {
        member: lower(carol.account.address),
        reporter: lower(dave.account.address),
        amount: String(ETH),
        reward: String(ETH / 10n),
        burned: String((ETH * 9n) / 10n),
        source: lower(c.election.address),
        activeStake: String(ETH),
        totalStake: total.toString(),
      },
    ]);
  });

  it("GraphQL locks, leadership and proposals with relations", async () => {
    const data = await stack.graphql<Json>(`{
      lock(swarmId: "1", lockName: "${bytes32("deploy")}") { token holder events { totalCount } swarm { id } }
      leadership(swarmId: "1") { term leader mode events { totalCount } }
      proposal(id: "1") { status tallies votes { totalCount items { voter option } } swarm { id } }
    }`);
    expect(data.lock).toEqual({ token: "3", holder: lower(carol.account.address), events: { totalCount: 5 }, swarm: { id: "1" } });
    expect(data.leadership).toEqual({ term: "2", leader: lower(bob.account.address), mode: "vote", events: { totalCount: 5 } });
    expect(data.proposal).toMatchObject({ status: "passed", tallies: ["0", "2", "1"], votes: { totalCount: 3 }, swarm: { id: "1" } });
  });

  it("answers 400 for malformed parameters and 404 for unknown ids", async () => {
    const bad = [
      "/v1/locks/deploy",
      "/v1/locks/01:deploy",
      "/v1/locks/1:0x1234",
      "/v1/locks/1:",
      `/v1/locks/1:${"x".repeat(33)}`,
      "/v1/swarms/1/locks/0xzz",
      "/v1/swarms/abc/leader",
      "/v1/swarms/-1/proposals",
      "/v1/swarms/1/proposals?status=bogus",
      "/v1/swarms/1/proposals?status=active,",
      "/v1/swarms/1/proposals?limit=0",
      "/v1/swarms/1/proposals?limit=101",
      "/v1/swarms/1/proposals?cursor=0x1",
      "/v1/proposals/1.5",
      "/v1/proposals/007",
    ];
    for (const path of bad) {
      const { status, body } = await get(path);
      expect(status, `${path} → ${JSON.stringify(body)}`).toBe(400);
      expect(body.error.code, path).toBe("invalid_parameter");
      expect(body.error.details.issues.length, path).toBeGreaterThan(0);
    }
    const missing: [string, string][] = [
      ["/v1/swarms/99/leader", "swarm_not_found"],
      ["/v1/locks/99:deploy", "swarm_not_found"],
      ["/v1/locks/1:never-acquired", "lock_not_found"],
      ["/v1/swarms/1/locks/never-acquired", "lock_not_found"],
      ["/v1/swarms/99/proposals", "swarm_not_found"],
      ["/v1/proposals/999", "proposal_not_found"],
    ];
    for (const [path, code] of missing) {
      const { status, body } = await get(path);
      expect(status, `${path} → ${JSON.stringify(body)}`).toBe(404);
      expect(body.error.code, path).toBe(code);
    }
    const { body } = await get("/v1/locks/1:never-acquired");
    expect(body.error.details).toEqual({ id: `1:${bytes32("never-acquired")}`, swarmId: "1", lockName: bytes32("never-acquired"), token: "0" });
  });
});
