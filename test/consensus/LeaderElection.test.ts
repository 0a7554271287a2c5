import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { encodeAbiParameters, keccak256, parseEventLogs, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { expectRevert } from "../helpers/errors.ts";
import {
  compareAddresses,
  encodeElectionBallot,
  leaderElectionDomain,
  signElectionBallot,
  sortedElection,
  type ElectionBallot,
  type SignedElectionBallot,
} from "../helpers/ballots.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const S1 = 1n; // owner + 9 members (10 members)
const S2 = 2n; // owned by wallet 10, + wallet 1
const MODE = { None: 0, Lease: 1, Vote: 2 } as const;
const QUORUM = { Majority: 0, Byzantine: 1 } as const;
const WEIGHT = { Head: 0, Stake: 1 } as const;
const HOW = { Campaign: 0, Vote: 1 } as const;
const LEASE = 600;

/** Lower-cases addresses (deeply) so event args compare with wallet addresses. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function lc(value: unknown): any {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(lc);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)]));
  return value;
}

async function deploy() {
  const { viem, networkHelpers } = await network.create();
  const wallets = await viem.getWalletClients();
  const owner = wallets[0]!;
  const members = wallets.slice(1, 10); // 9 members + owner = 10
  const outsider = wallets[15]!;
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner.account });
  for (const w of members) await registry.write.join([S1, ""], { account: w.account });
  await registry.write.createSwarm([OPEN, []], { account: wallets[10]!.account });
  await registry.write.join([S2, ""], { account: wallets[1]!.account });
  const staking = await viem.deployContract("Staking", [registry.address], { client: { wallet: owner } });
  const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
  const domain = leaderElectionDomain(chainId, election.address);

  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: election.abi, logs: receipt.logs }) };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  const configure = (swarmId: bigint, mode: number, quorumKind: number = QUORUM.Majority, weighting: number = WEIGHT.Head, lease = LEASE) =>
    send(election.write.configure([swarmId, mode, lease, quorumKind, weighting], { account: (swarmId === S2 ? wallets[10]! : owner).account }));
  const ballot = (w: WalletClient, swarmId: bigint, term: bigint, candidate: Address, d = domain) =>
    signElectionBallot(w, d, { swarmId, term, candidate, voter: w.account!.address });
  /** Signed ballots of `voters` for `candidate`, sorted, ready for `elect`. */
  const ballots = async (voters: WalletClient[], swarmId: bigint, term: bigint, candidate: Address) =>
    sortedElection(await Promise.all(voters.map((w) => ballot(w, swarmId, term, candidate))));
  const conflictKey = (swarmId: bigint, term: bigint, voter: Address) =>
    keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }], [election.address, swarmId, term, voter]));
  return { viem, networkHelpers, publicClient, chainId, registry, staking, election, domain, wallets, owner, members, outsider, send, now, configure, ballot, ballots, conflictKey };
}

type Env = Awaited<ReturnType<typeof deploy>>;
const addr = (w: WalletClient) => w.account!.address;

describe("LeaderElection: deployment and configure", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("rejects zero addresses, exposes registry, staking, typehash and EIP-712 domain", async () => {
    const { viem, election, registry, staking, publicClient } = env;
    await expect(viem.deployContract("LeaderElection", [zeroAddress, staking.address])).rejects.toThrow(/LeaderElectionZeroAddress/);
    await expect(viem.deployContract("LeaderElection", [registry.address, zeroAddress])).rejects.toThrow(/LeaderElectionZeroAddress/);
    expect(lc(await election.read.registry())).toBe(lc(registry.address));
    expect(lc(await election.read.staking())).toBe(lc(staking.address));
    expect(await election.read.ELECTION_BALLOT_TYPEHASH()).toBe(
      keccak256(new TextEncoder().encode("ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)")),
    );
    expect(await election.read.MIN_LEASE()).toBe(1);
    expect(await election.read.MAX_LEASE()).toBe(365 * 24 * 3600);
    const [, name, version, chainId, verifyingContract] = await election.read.eip712Domain();
    expect([name, version, Number(chainId), lc(verifyingContract)]).toEqual(["Concord LeaderElection", "1", await publicClient.getChainId(), lc(election.address)]);
    expect(await election.read.electionConfig([S1])).toEqual({ mode: MODE.None, leaseDuration: 0, quorumKind: 0, weighting: 0 });
  });

  it("configure: swarm admins only, mode Lease/Vote, lease within [MIN_LEASE, MAX_LEASE]; emits the config", async () => {
    const { election, owner, members, send } = env;
    await expectRevert(election.write.configure([S1, MODE.Lease, LEASE, 0, 0], { account: members[0]!.account }), "LeaderElectionNotAdmin", [S1, addr(members[0]!)]);
    await expectRevert(election.write.configure([99n, MODE.Lease, LEASE, 0, 0], { account: owner.account }), "LeaderElectionNotAdmin", [99n, addr(owner)]);
    await expectRevert(election.write.configure([S1, MODE.None, LEASE, 0, 0], { account: owner.account }), "LeaderElectionInvalidConfig", [MODE.None, BigInt(LEASE), 1n, 31_536_000n]);
    await expectRevert(election.write.configure([S1, MODE.Lease, 0, 0, 0], { account: owner.account }), "LeaderElectionInvalidConfig", [MODE.Lease, 0n, 1n, 31_536_000n]);
    await expectRevert(election.write.configure([S1, MODE.Vote, 31_536_001, 0, 0], { account: owner.account }), "LeaderElectionInvalidConfig", [MODE.Vote, 31_536_001n, 1n, 31_536_000n]);
    const { events } = await send(election.write.configure([S1, MODE.Vote, 1234, QUORUM.Byzantine, WEIGHT.Stake], { account: owner.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(
      lc([["LeaderElectionConfigured", { swarmId: S1, mode: MODE.Vote, leaseDuration: 1234, quorumKind: QUORUM.Byzantine, weighting: WEIGHT.Stake, by: addr(owner) }]]),
    );
    expect(await election.read.electionConfig([S1])).toEqual({ mode: MODE.Vote, leaseDuration: 1234, quorumKind: QUORUM.Byzantine, weighting: WEIGHT.Stake });
    // an extra admin (not the owner) may reconfigure
    await env.registry.write.setAdmin([S1, addr(members[8]!), true], { account: owner.account });
    await send(election.write.configure([S1, MODE.Lease, LEASE, QUORUM.Majority, WEIGHT.Head], { account: members[8]!.account }));
    expect(await election.read.electionConfig([S1])).toEqual({ mode: MODE.Lease, leaseDuration: LEASE, quorumKind: 0, weighting: 0 });
    expect((await election.read.electionConfig([S2])).mode).toBe(MODE.None);
  });
});

describe("LeaderElection: lease mode (campaign, heartbeat, resign)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("campaign: not configured, wrong mode, non-member", async () => {
    const { election, members, outsider, configure } = env;
    await expectRevert(election.write.campaign([S1], { account: members[0]!.account }), "LeaderElectionNotConfigured", [S1]);
    await configure(S2, MODE.Vote);
    await expectRevert(election.write.campaign([S2], { account: members[0]!.account }), "LeaderElectionWrongMode", [S2, MODE.Vote]);
    await configure(S1, MODE.Lease);
    await expectRevert(election.write.campaign([S1], { account: outsider.account }), "LeaderElectionNotMember", [S1, addr(outsider)]);
  });

  it("campaign takes the vacant seat with term 1; the seat is taken while the lease is live", async () => {
    const { election, members, send, now } = env;
    const [a, b] = [members[0]!, members[1]!];
    const { events, receipt } = await send(election.write.campaign([S1], { account: a.account }));
    const t = Number((await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
    expect(lc(events[0]!.args)).toEqual(
      lc({ swarmId: S1, leader: addr(a), term: 1n, leaseExpiresAt: t + LEASE, how: HOW.Campaign, votesWeight: 0n, totalWeight: 0n, previousLeader: zeroAddress }),
    );
    expect(lc(await election.read.currentLeader([S1]))).toEqual(lc([addr(a), 1n, t + LEASE]));
    expect(await election.read.isLeader([S1, addr(a), 1n])).toBe(true);
    expect(await election.read.isLeader([S1, addr(a), 2n])).toBe(false);
    expect(await election.read.isLeader([S1, addr(b), 1n])).toBe(false);
    await expectRevert(election.write.campaign([S1], { account: b.account }), "LeaderElectionSeatTaken", [S1, addr(a), 1n, t + LEASE]);
    await expectRevert(election.write.campaign([S1], { account: a.account }), "LeaderElectionSeatTaken", [S1, addr(a), 1n, t + LEASE]);
    expect(await now()).toBeLessThan(t + LEASE);
  });

  it("heartbeat renews the live lease; stale, unknown term, non-leader are rejected", async () => {
    const { election, members, send, networkHelpers } = env;
    const [a, b] = [members[0]!, members[1]!];
    await networkHelpers.time.increase(100);
    const { events, receipt } = await send(election.write.heartbeat([S1, 1n], { account: a.account }));
    const t = Number((await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["LeaderHeartbeat", { swarmId: S1, leader: addr(a), term: 1n, leaseExpiresAt: t + LEASE }]]));
    expect((await election.read.currentLeader([S1]))[2]).toBe(t + LEASE);
    await expectRevert(election.write.heartbeat([S1, 0n], { account: a.account }), "LeaderElectionStaleTerm", [S1, 0n, 1n]);
    await expectRevert(election.write.heartbeat([S1, 2n], { account: a.account }), "LeaderElectionUnknownTerm", [S1, 2n, 1n]);
    await expectRevert(election.write.heartbeat([S1, 1n], { account: b.account }), "LeaderElectionNotLeader", [S1, addr(b), 1n, addr(a)]);
    await expectRevert(election.write.resign([S1, 1n], { account: b.account }), "LeaderElectionNotLeader", [S1, addr(b), 1n, addr(a)]);
  });

  it("after the lease expires: heartbeat fails, another member campaigns with term 2, the old term is stale", async () => {
    const { election, members, send, networkHelpers } = env;
    const [a, b] = [members[0]!, members[1]!];
    const [, , expiresAt] = await election.read.currentLeader([S1]);
    await networkHelpers.time.increaseTo(expiresAt);
    expect(await election.read.isLeader([S1, addr(a), 1n])).toBe(false);
    await expectRevert(election.write.heartbeat([S1, 1n], { account: a.account }), "LeaderElectionLeaseExpired", [S1, 1n, expiresAt]);
    const { events } = await send(election.write.campaign([S1], { account: b.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ leader: addr(b), term: 2n, previousLeader: addr(a), how: HOW.Campaign }));
    await expectRevert(election.write.heartbeat([S1, 1n], { account: a.account }), "LeaderElectionStaleTerm", [S1, 1n, 2n]);
    await expectRevert(election.write.resign([S1, 1n], { account: a.account }), "LeaderElectionStaleTerm", [S1, 1n, 2n]);
    expect(await election.read.isLeader([S1, addr(b), 2n])).toBe(true);
  });

  it("a leader that left the swarm cannot heartbeat and its seat is vacant for campaign", async () => {
    const { election, members, send } = env;
    const [b, c] = [members[1]!, members[2]!];
    await env.registry.write.leave([S1], { account: b.account });
    await expectRevert(election.write.heartbeat([S1, 2n], { account: b.account }), "LeaderElectionNotMember", [S1, addr(b)]);
    const { events } = await send(election.write.campaign([S1], { account: c.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ leader: addr(c), term: 3n, previousLeader: addr(b) }));
    await env.registry.write.join([S1, ""], { account: b.account });
  });

  it("resign frees the seat, keeps the term; the next campaign gets term + 1", async () => {
    const { election, members, send } = env;
    const [c, d] = [members[2]!, members[3]!];
    await expectRevert(election.write.resign([S1, 4n], { account: c.account }), "LeaderElectionUnknownTerm", [S1, 4n, 3n]);
    const { events } = await send(election.write.resign([S1, 3n], { account: c.account }));
    expect(lc(events.map((e) => [e.eventName, e.args]))).toEqual(lc([["LeaderResigned", { swarmId: S1, leader: addr(c), term: 3n }]]));
    expect(await election.read.currentLeader([S1])).toEqual([zeroAddress, 3n, 0]);
    expect(await election.read.isLeader([S1, addr(c), 3n])).toBe(false);
    expect(await election.read.isLeader([S1, zeroAddress, 3n])).toBe(false);
    await expectRevert(election.write.resign([S1, 3n], { account: c.account }), "LeaderElectionNotLeader", [S1, addr(c), 3n, zeroAddress]);
    await expectRevert(election.write.heartbeat([S1, 3n], { account: c.account }), "LeaderElectionNotLeader", [S1, addr(c), 3n, zeroAddress]);
    const { events: e2 } = await send(election.write.campaign([S1], { account: d.account }));
    expect(lc(e2[0]!.args)).toMatchObject(lc({ leader: addr(d), term: 4n, previousLeader: zeroAddress }));
  });

  it("resign is allowed after the lease expired as long as no one took the seat", async () => {
    const { election, members, send, networkHelpers } = env;
    await networkHelpers.time.increase(LEASE + 1);
    await send(election.write.resign([S1, 4n], { account: members[3]!.account }));
    expect(await election.read.currentLeader([S1])).toEqual([zeroAddress, 4n, 0]);
  });

  it("reconfiguring keeps the leader and term; the new lease length applies from the next heartbeat", async () => {
    const { election, members, send, configure } = env;
    const e = members[4]!;
    await send(election.write.campaign([S1], { account: e.account }));
    await configure(S1, MODE.Lease, QUORUM.Majority, WEIGHT.Head, 50);
    expect((await election.read.currentLeader([S1]))[1]).toBe(5n);
    const { events, receipt } = await send(election.write.heartbeat([S1, 5n], { account: e.account }));
    const t = Number((await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
    expect((events[0]!.args as { leaseExpiresAt: number }).leaseExpiresAt).toBe(t + 50);
    // switching to vote mode: campaign is refused, heartbeat still works for the sitting leader
    await configure(S1, MODE.Vote);
    await expectRevert(election.write.campaign([S1], { account: members[5]!.account }), "LeaderElectionWrongMode", [S1, MODE.Vote]);
    await send(election.write.heartbeat([S1, 5n], { account: e.account }));
  });
});

describe("LeaderElection: vote mode (elect)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
    await env.configure(S1, MODE.Vote);
  });

  it("elect: wrong mode, not configured", async () => {
    const { election, members, configure, ballots } = env;
    const { voters, signatures } = await ballots(members.slice(0, 6), S2, 1n, addr(members[0]!));
    await expectRevert(election.write.elect([S2, 1n, addr(members[0]!), voters, signatures]), "LeaderElectionNotConfigured", [S2]);
    await configure(S2, MODE.Lease);
    await expectRevert(election.write.elect([S2, 1n, addr(members[0]!), voters, signatures]), "LeaderElectionWrongMode", [S2, MODE.Lease]);
  });

  it("elect with a simple majority (6 of 10) makes the candidate leader for the term; 5 of 10 is not enough", async () => {
    const { election, members, ballots, send } = env;
    const cand = addr(members[0]!);
    const five = await ballots(members.slice(0, 5), S1, 1n, cand);
    await expectRevert(election.write.elect([S1, 1n, cand, five.voters, five.signatures]), "LeaderElectionQuorumNotReached", [S1, 1n, 5n, 10n, QUORUM.Majority]);
    const six = await ballots(members.slice(0, 6), S1, 1n, cand);
    const { events, receipt } = await send(election.write.elect([S1, 1n, cand, six.voters, six.signatures], { account: env.outsider.account }));
    const t = Number((await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
    expect(lc(events[0]!.args)).toEqual(
      lc({ swarmId: S1, leader: cand, term: 1n, leaseExpiresAt: t + LEASE, how: HOW.Vote, votesWeight: 6n, totalWeight: 10n, previousLeader: zeroAddress }),
    );
    expect(await election.read.isLeader([S1, cand, 1n])).toBe(true);
  });

  it("rejects a term that is not higher than the current one, and terms beyond 48 bits", async () => {
    const { election, members, ballots } = env;
    const cand = addr(members[1]!);
    for (const term of [0n, 1n]) {
      const b = await ballots(members.slice(0, 6), S1, term, cand);
      await expectRevert(election.write.elect([S1, term, cand, b.voters, b.signatures]), "LeaderElectionStaleTerm", [S1, term, 1n]);
    }
    const big = 2n ** 48n;
    const b = await ballots(members.slice(0, 6), S1, big, cand);
    await expectRevert(election.write.elect([S1, big, cand, b.voters, b.signatures]), "LeaderElectionTermTooLarge", [S1, big]);
  });

  it("rejects mismatched or empty arrays, a non-member candidate, unsorted/duplicate voters and non-member voters", async () => {
    const { election, members, outsider, ballots, ballot } = env;
    const cand = addr(members[1]!);
    const b = await ballots(members.slice(0, 6), S1, 2n, cand);
    await expectRevert(election.write.elect([S1, 2n, cand, b.voters, b.signatures.slice(1)]), "LeaderElectionBallotCountMismatch", [6n, 5n]);
    await expectRevert(election.write.elect([S1, 2n, cand, [], []]), "LeaderElectionBallotCountMismatch", [0n, 0n]);
    const outBallots = await ballots(members.slice(0, 6), S1, 2n, addr(outsider));
    await expectRevert(election.write.elect([S1, 2n, addr(outsider), outBallots.voters, outBallots.signatures]), "LeaderElectionNotMember", [S1, addr(outsider)]);
    // unsorted
    const rev = [...b.voters].reverse();
    const revSigs = [...b.signatures].reverse();
    await expectRevert(election.write.elect([S1, 2n, cand, rev, revSigs]), "LeaderElectionVotersNotSorted", [1n, rev[0]!, rev[1]!]);
    // duplicate voter (same ballot twice)
    const dupVoters = [b.voters[0]!, b.voters[0]!, ...b.voters.slice(1)];
    const dupSigs = [b.signatures[0]!, b.signatures[0]!, ...b.signatures.slice(1)];
    await expectRevert(election.write.elect([S1, 2n, cand, dupVoters, dupSigs]), "LeaderElectionVotersNotSorted", [1n, b.voters[0]!, b.voters[0]!]);
    // zero address as first voter
    await expectRevert(election.write.elect([S1, 2n, cand, [zeroAddress], ["0x"]]), "LeaderElectionVotersNotSorted", [0n, zeroAddress, zeroAddress]);
    // a non-member voter with a valid signature
    const withOutsider = sortedElection([
      ...(await Promise.all(members.slice(0, 6).map((w) => ballot(w, S1, 2n, cand)))),
      await ballot(outsider, S1, 2n, cand),
    ]);
    await expectRevert(election.write.elect([S1, 2n, cand, withOutsider.voters, withOutsider.signatures]), "LeaderElectionNotMember", [S1, addr(outsider)]);
  });

  it("rejects a ballot signed by someone else, or for another candidate, term, swarm, chain or contract", async () => {
    const { election, members, domain, ballot } = env;
    const cand = addr(members[1]!);
    const voters = members.slice(0, 6);
    const good = await Promise.all(voters.map((w) => ballot(w, S1, 2n, cand)));
    const target = good[3]!;
    const victim = target.ballot.voter;
    const forge = async (make: () => Promise<SignedElectionBallot>) => {
      const bad = await make();
      const replaced = sortedElection(good.map((g) => (g === target ? { ...g, signature: bad.signature } : g)));
      await expectRevert(election.write.elect([S1, 2n, cand, replaced.voters, replaced.signatures]), "LeaderElectionInvalidSignature", [S1, 2n, cand, victim]);
    };
    const victimWallet = voters.find((w) => addr(w) === victim)!;
    const other = voters.find((w) => addr(w) !== victim)!;
    // signed by another member over the victim's ballot
    await forge(() => signElectionBallot(other, domain, target.ballot));
    // the victim's real signatures of other ballots: candidate, term, swarm, chain id, contract
    await forge(() => ballot(victimWallet, S1, 2n, addr(members[2]!)));
    await forge(() => ballot(victimWallet, S1, 3n, cand));
    await forge(() => ballot(victimWallet, S2, 2n, cand));
    await forge(() => ballot(victimWallet, S1, 2n, cand, { ...domain, chainId: Number(domain.chainId) + 1 }));
    await forge(() => ballot(victimWallet, S1, 2n, cand, { ...domain, verifyingContract: env.staking.address }));
    // malformed signatures (wrong lengths: 63 and 66 bytes; 64 bytes is the EIP-2098 form) and a high-s (malleable) one
    const sorted = sortedElection(good);
    const i = sorted.voters.findIndex((v) => v === victim);
    for (const bad of [(s: Hex) => s.slice(0, 128) as Hex, (s: Hex) => `${s}00` as Hex, () => "0x" as Hex]) {
      const badSigs = sorted.signatures.map((s, j) => (j === i ? bad(s) : s));
      await expectRevert(election.write.elect([S1, 2n, cand, sorted.voters, badSigs]), "LeaderElectionInvalidSignature", [S1, 2n, cand, victim]);
    }
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const sig = sorted.signatures[i]!;
    const s = BigInt("0x" + sig.slice(66, 130));
    const v = Number.parseInt(sig.slice(130, 132), 16);
    const highS = (sig.slice(0, 66) + (n - s).toString(16).padStart(64, "0") + (v === 27 ? "1c" : "1b")) as Hex;
    const malleable = sorted.signatures.map((x, j) => (j === i ? highS : x));
    await expectRevert(election.write.elect([S1, 2n, cand, sorted.voters, malleable]), "LeaderElectionInvalidSignature", [S1, 2n, cand, victim]);
    // a 64-byte EIP-2098 signature with the wrong parity bit does not recover the voter
    const compact = (x: Hex, parity: bigint): Hex => `0x${x.slice(2, 66)}${((parity << 255n) | BigInt(`0x${x.slice(66, 130)}`)).toString(16).padStart(64, "0")}`;
    const wrongParity = sorted.signatures.map((x, j) => (j === i ? compact(x, v === 27 ? 1n : 0n) : x));
    await expectRevert(election.write.elect([S1, 2n, cand, sorted.voters, wrongParity]), "LeaderElectionInvalidSignature", [S1, 2n, cand, victim]);
    // and the untouched set works, with every signature in the 64-byte EIP-2098 form too
    await election.simulate.elect([S1, 2n, cand, sorted.voters, sorted.signatures.map((x) => compact(x, BigInt(Number.parseInt(x.slice(130, 132), 16) - 27)))]);
    await env.send(election.write.elect([S1, 2n, cand, sorted.voters, sorted.signatures]));
  });

  it("a quorum may replace a leader whose lease is live; terms may jump but never go back", async () => {
    const { election, members, ballots, send } = env;
    const cand = addr(members[5]!);
    const b = await ballots(members.slice(2, 8), S1, 7n, cand);
    const { events } = await send(election.write.elect([S1, 7n, cand, b.voters, b.signatures]));
    expect(lc(events[0]!.args)).toMatchObject(lc({ leader: cand, term: 7n, previousLeader: addr(members[1]!) }));
    const back = await ballots(members.slice(2, 8), S1, 5n, addr(members[2]!));
    await expectRevert(election.write.elect([S1, 5n, addr(members[2]!), back.voters, back.signatures]), "LeaderElectionStaleTerm", [S1, 5n, 7n]);
    await expectRevert(election.write.heartbeat([S1, 2n], { account: members[1]!.account }), "LeaderElectionStaleTerm", [S1, 2n, 7n]);
    // the elected leader renews and resigns like a lease-mode leader
    await send(election.write.heartbeat([S1, 7n], { account: members[5]!.account }));
    await send(election.write.resign([S1, 7n], { account: members[5]!.account }));
    expect(await election.read.currentLeader([S1])).toEqual([zeroAddress, 7n, 0]);
  });

  it("an EIP-1271 smart account votes like an EOA", async () => {
    const { viem, election, registry, members, ballot, domain, send } = env;
    const ownerKey = members[8]!;
    const wallet = await viem.deployContract("MockERC1271Wallet", [addr(ownerKey)]);
    const joinData = (await import("viem")).encodeFunctionData({ abi: registry.abi, functionName: "join", args: [S1, ""] });
    await wallet.write.execute([registry.address, 0n, joinData], { account: ownerKey.account });
    // 11 members now: 6 EOAs + the smart account = 7 > 5.5
    const cand = addr(members[0]!);
    const eoa = await Promise.all(members.slice(0, 6).map((w) => ballot(w, S1, 8n, cand)));
    const sc = await signElectionBallot(ownerKey, domain, { swarmId: S1, term: 8n, candidate: cand, voter: wallet.address });
    const five = await Promise.all(members.slice(0, 5).map((w) => ballot(w, S1, 8n, cand)));
    // 5 EOAs + smart account = 6 of 11: majority
    const b = sortedElection([...five, sc]);
    const { events } = await send(election.write.elect([S1, 8n, cand, b.voters, b.signatures]));
    expect(events[0]!.args).toMatchObject({ votesWeight: 6n, totalWeight: 11n });
    // a smart account's signature by a key that is not its owner is rejected
    const forged = await signElectionBallot(members[7]!, domain, { swarmId: S1, term: 9n, candidate: cand, voter: wallet.address });
    const eoa9 = await Promise.all(members.slice(0, 6).map((w) => ballot(w, S1, 9n, cand)));
    const bad = sortedElection([...eoa9, forged]);
    await expectRevert(election.write.elect([S1, 9n, cand, bad.voters, bad.signatures]), "LeaderElectionInvalidSignature", [S1, 9n, cand, wallet.address]);
    expect(eoa.length).toBe(6);
  });
});

describe("LeaderElection: Byzantine quorum, stake weighting, flagged members", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
    // the election contract is a trusted ballot source: its equivocation evidence flags members in Staking
    await env.staking.write.setBallotSource([env.election.address, true], { account: env.owner.account });
  });

  /** Makes `w` equivocate on (swarmId, term) and has it slashed (flagged) through Staking. */
  async function flag(w: WalletClient, swarmId: bigint, term: bigint) {
    const { staking, ballot, election } = env;
    const a = await ballot(w, swarmId, term, addr(env.members[0]!));
    const b = await ballot(w, swarmId, term, addr(env.members[1]!));
    await env.send(staking.write.slash([{ source: election.address, ballotA: a.encoded, sigA: a.signature, ballotB: b.encoded, sigB: b.signature }]));
    expect(await staking.read.isFlagged([swarmId, addr(w)])).toBe(true);
  }

  it("Byzantine by head: 7 of 10 passes (> 2/3), 6 of 10 does not", async () => {
    const { election, members, ballots, configure, send } = env;
    await configure(S1, MODE.Vote, QUORUM.Byzantine, WEIGHT.Head);
    const cand = addr(members[0]!);
    const six = await ballots(members.slice(0, 6), S1, 1n, cand);
    await expectRevert(election.write.elect([S1, 1n, cand, six.voters, six.signatures]), "LeaderElectionQuorumNotReached", [S1, 1n, 6n, 10n, QUORUM.Byzantine]);
    const seven = await ballots(members.slice(0, 7), S1, 1n, cand);
    const { events } = await send(election.write.elect([S1, 1n, cand, seven.voters, seven.signatures]));
    expect(events[0]!.args).toMatchObject({ votesWeight: 7n, totalWeight: 10n, how: HOW.Vote });
  });

  it("Byzantine by head: a flagged member's valid ballot is accepted but does not count", async () => {
    const { election, members, ballots, send } = env;
    await flag(members[6]!, S1, 100n);
    const cand = addr(members[0]!);
    const seven = await ballots(members.slice(0, 7), S1, 2n, cand);
    await expectRevert(election.write.elect([S1, 2n, cand, seven.voters, seven.signatures]), "LeaderElectionQuorumNotReached", [S1, 2n, 6n, 10n, QUORUM.Byzantine]);
    const eight = await ballots(members.slice(0, 8), S1, 2n, cand);
    const { events } = await send(election.write.elect([S1, 2n, cand, eight.voters, eight.signatures]));
    expect(events[0]!.args).toMatchObject({ votesWeight: 7n, totalWeight: 10n });
    // with a Majority quorum the flag does not matter
    await env.configure(S1, MODE.Vote, QUORUM.Majority, WEIGHT.Head);
    const six = await ballots(members.slice(1, 7), S1, 3n, cand);
    const { events: e3 } = await send(election.write.elect([S1, 3n, cand, six.voters, six.signatures]));
    expect(e3[0]!.args).toMatchObject({ votesWeight: 6n });
  });

  it("stake weighting counts stakeOf over totalStake (flagged members have no stake)", async () => {
    const { election, staking, members, ballots, configure, send, owner } = env;
    await configure(S1, MODE.Vote, QUORUM.Majority, WEIGHT.Stake);
    // stakes: m0 = 50, m1 = 30, m2 = 15, m3 = 5 (total 100); m6 is flagged and cannot stake
    const stakes: [number, bigint][] = [[0, 50n], [1, 30n], [2, 15n], [3, 5n]];
    for (const [i, amount] of stakes) await staking.write.stake([S1, amount], { account: members[i]!.account, value: amount });
    expect(await staking.read.totalStake([S1])).toBe(100n);
    const cand = addr(owner);
    // 50 of 100 is not a majority
    const half = await ballots([members[0]!, members[6]!, members[7]!], S1, 4n, cand);
    await expectRevert(election.write.elect([S1, 4n, cand, half.voters, half.signatures]), "LeaderElectionQuorumNotReached", [S1, 4n, 50n, 100n, QUORUM.Majority]);
    // 50 + 5 = 55 is
    const maj = await ballots([members[0]!, members[3]!], S1, 4n, cand);
    const { events } = await send(election.write.elect([S1, 4n, cand, maj.voters, maj.signatures]));
    expect(events[0]!.args).toMatchObject({ votesWeight: 55n, totalWeight: 100n });
    // Byzantine by stake: 50 + 15 = 65 < 66.7; 50 + 30 = 80 passes
    await configure(S1, MODE.Vote, QUORUM.Byzantine, WEIGHT.Stake);
    const b65 = await ballots([members[0]!, members[2]!], S1, 5n, cand);
    await expectRevert(election.write.elect([S1, 5n, cand, b65.voters, b65.signatures]), "LeaderElectionQuorumNotReached", [S1, 5n, 65n, 100n, QUORUM.Byzantine]);
    const b80 = await ballots([members[0]!, members[1]!], S1, 5n, cand);
    const { events: e5 } = await send(election.write.elect([S1, 5n, cand, b80.voters, b80.signatures]));
    expect(e5[0]!.args).toMatchObject({ votesWeight: 80n, totalWeight: 100n });
    // a slashed staker loses its weight: flag m1 (30) -> total 100 - 30 (slashed and excluded)
    await flag(members[1]!, S1, 101n);
    expect(await staking.read.stakeOf([S1, addr(members[1]!)])).toBe(0n);
    const total = await staking.read.totalStake([S1]);
    expect(total).toBe(70n);
    // m1 (flagged, 0) + m2 (15) = 15 of 70; m0 alone (50 of 70) is now a Byzantine quorum
    const after = await ballots([members[1]!, members[2]!], S1, 6n, cand);
    await expectRevert(election.write.elect([S1, 6n, cand, after.voters, after.signatures]), "LeaderElectionQuorumNotReached", [S1, 6n, 15n, 70n, QUORUM.Byzantine]);
    const alone = await ballots([members[0]!], S1, 6n, cand);
    const { events: e6 } = await send(election.write.elect([S1, 6n, cand, alone.voters, alone.signatures]));
    expect(e6[0]!.args).toMatchObject({ votesWeight: 50n, totalWeight: 70n });
  });

  it("no weight at all never reaches a quorum (empty stake)", async () => {
    const { election, members, ballots, configure } = env;
    await configure(S2, MODE.Vote, QUORUM.Majority, WEIGHT.Stake);
    const b = await ballots([members[0]!], S2, 1n, addr(members[0]!));
    await expectRevert(election.write.elect([S2, 1n, addr(members[0]!), b.voters, b.signatures]), "LeaderElectionQuorumNotReached", [S2, 1n, 0n, 0n, QUORUM.Majority]);
  });
});

describe("LeaderElection: checkEquivocation", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("accepts two ballots by one voter for one (swarm, term) naming different candidates, in either order", async () => {
    const { election, members, ballot, conflictKey } = env;
    const v = members[0]!;
    const a = await ballot(v, S1, 3n, addr(members[1]!));
    const b = await ballot(v, S1, 3n, addr(members[2]!));
    const expected = [S1, addr(v), conflictKey(S1, 3n, addr(v))];
    expect(lc(await election.read.checkEquivocation([a.encoded, a.signature, b.encoded, b.signature]))).toEqual(lc(expected));
    expect(lc(await election.read.checkEquivocation([b.encoded, b.signature, a.encoded, a.signature]))).toEqual(lc(expected));
    // another pair for the same conflict yields the same key
    const c = await ballot(v, S1, 3n, addr(members[3]!));
    expect(lc(await election.read.checkEquivocation([a.encoded, a.signature, c.encoded, c.signature]))).toEqual(lc(expected));
    // hashBallot matches the helper's digest
    expect(await election.read.hashBallot([S1, 3n, addr(members[1]!), addr(v)])).toBe(a.digest);
  });

  it("rejects every kind of non-equivocation", async () => {
    const { election, members, ballot, domain } = env;
    const [v, w] = [members[0]!, members[1]!];
    const a = await ballot(v, S1, 3n, addr(members[1]!));
    const check = (ba: Hex, sa: Hex, bb: Hex, sb: Hex) => election.read.checkEquivocation([ba, sa, bb, sb]);
    // the same ballot twice
    await expectRevert(check(a.encoded, a.signature, a.encoded, a.signature), "BallotSourceSameBallot", [a.digest]);
    // two different voters
    const bw = await ballot(w, S1, 3n, addr(members[2]!));
    await expectRevert(check(a.encoded, a.signature, bw.encoded, bw.signature), "BallotSourceDifferentVoters", [addr(v), addr(w)]);
    // different term, different swarm
    const t4 = await ballot(v, S1, 4n, addr(members[2]!));
    await expectRevert(check(a.encoded, a.signature, t4.encoded, t4.signature), "BallotSourceDifferentSubjects", [S1, 3n, S1, 4n]);
    const s2 = await ballot(v, S2, 3n, addr(members[2]!));
    await expectRevert(check(a.encoded, a.signature, s2.encoded, s2.signature), "BallotSourceDifferentSubjects", [S1, 3n, S2, 3n]);
    // forged signature: B signed by someone else
    const forgedB = await signElectionBallot(w, domain, { swarmId: S1, term: 3n, candidate: addr(members[2]!), voter: addr(v) });
    await expectRevert(check(a.encoded, a.signature, forgedB.encoded, forgedB.signature), "BallotSourceInvalidSignature", [1, addr(v), forgedB.digest]);
    await expectRevert(check(forgedB.encoded, forgedB.signature, a.encoded, a.signature), "BallotSourceInvalidSignature", [0, addr(v), forgedB.digest]);
    // signature of another chain / contract
    const otherChain = await ballot(v, S1, 3n, addr(members[2]!), { ...domain, chainId: Number(domain.chainId) + 1 });
    await expectRevert(check(a.encoded, a.signature, otherChain.encoded, otherChain.signature), "BallotSourceInvalidSignature", [1, addr(v), (await ballot(v, S1, 3n, addr(members[2]!))).digest]);
    // malformed ballots: wrong length, term above uint64, dirty address bits; malformed signature
    await expectRevert(check("0x1234", a.signature, a.encoded, a.signature), "BallotSourceMalformedBallot", [0]);
    await expectRevert(check(a.encoded, a.signature, (a.encoded + "00") as Hex, a.signature), "BallotSourceMalformedBallot", [1]);
    const words = a.encoded.slice(2).match(/.{64}/g)!;
    const bigTerm = ("0x" + [words[0], "1" + "0".repeat(16).padStart(63, "0"), words[2], words[3]].join("")) as Hex;
    await expectRevert(check(bigTerm, a.signature, a.encoded, a.signature), "BallotSourceMalformedBallot", [0]);
    const dirty = ("0x" + [words[0], words[1], "ff" + words[2]!.slice(2), words[3]].join("")) as Hex;
    await expectRevert(check(a.encoded, a.signature, dirty, a.signature), "BallotSourceMalformedBallot", [1]);
    const b = await ballot(v, S1, 3n, addr(members[2]!));
    await expectRevert(check(a.encoded, a.signature, b.encoded, "0x1234"), "BallotSourceInvalidSignature", [1, addr(v), b.digest]);
  });

  it("EIP-1271 smart accounts can be caught equivocating", async () => {
    const { viem, election, members, domain, conflictKey } = env;
    const ownerKey = members[4]!;
    const wallet = await viem.deployContract("MockERC1271Wallet", [addr(ownerKey)]);
    const a = await signElectionBallot(ownerKey, domain, { swarmId: S1, term: 1n, candidate: addr(members[0]!), voter: wallet.address });
    const b = await signElectionBallot(ownerKey, domain, { swarmId: S1, term: 1n, candidate: addr(members[1]!), voter: wallet.address });
    expect(lc(await election.read.checkEquivocation([a.encoded, a.signature, b.encoded, b.signature]))).toEqual(lc([S1, wallet.address, conflictKey(S1, 1n, wallet.address)]));
    const notOwner = await signElectionBallot(members[5]!, domain, { swarmId: S1, term: 1n, candidate: addr(members[1]!), voter: wallet.address });
    await expectRevert(election.read.checkEquivocation([a.encoded, a.signature, notOwner.encoded, notOwner.signature]), "BallotSourceInvalidSignature", [1, wallet.address, notOwner.digest]);
  });
});

describe("LeaderElection: gas", () => {
  it("a leadership change backed by 7 signed ballots costs <= 120k gas", async () => {
    const env = await deploy();
    const { election, members, owner, ballots, configure, send, staking } = env;
    const report: Record<string, bigint> = {};
    const seven = [owner, ...members.slice(0, 6)];
    const elect = async (term: bigint, candidate: Address) => {
      const b = await ballots(seven, S1, term, candidate);
      const { receipt } = await send(election.write.elect([S1, term, candidate, b.voters, b.signatures]));
      return receipt.gasUsed;
    };
    await configure(S1, MODE.Vote, QUORUM.Majority, WEIGHT.Head);
    report["first election (empty seat slot), Majority/Head"] = await elect(1n, addr(members[0]!));
    report["leadership change, Majority/Head"] = await elect(2n, addr(members[1]!));
    await configure(S1, MODE.Vote, QUORUM.Byzantine, WEIGHT.Head);
    report["leadership change, Byzantine/Head (flaggedCount, nobody flagged)"] = await elect(3n, addr(members[2]!));
    for (const w of seven) await staking.write.stake([S1, 10n], { account: w.account, value: 10n });
    await configure(S1, MODE.Vote, QUORUM.Byzantine, WEIGHT.Stake);
    report["leadership change, Byzantine/Stake (stakesOf)"] = await elect(4n, addr(members[3]!));
    await configure(S1, MODE.Lease, QUORUM.Majority, WEIGHT.Head);
    await send(election.write.resign([S1, 4n], { account: members[3]!.account }));
    const c = await send(election.write.campaign([S1], { account: members[4]!.account }));
    report["campaign (lease mode)"] = c.receipt.gasUsed;
    const h = await send(election.write.heartbeat([S1, 5n], { account: members[4]!.account }));
    report["heartbeat"] = h.receipt.gasUsed;
    console.log("LeaderElection gas:", Object.fromEntries(Object.entries(report).map(([k, v]) => [k, Number(v)])));
    expect(report["leadership change, Majority/Head"]!).toBeLessThanOrEqual(120_000n);
    // Byzantine by head reads Staking's flaggedCount once (no per-voter flag reads while nobody is flagged);
    // stake weighting adds one stakesOf call (one cold slot per voter) and totalStake (two cold slots)
    expect(report["leadership change, Byzantine/Head (flaggedCount, nobody flagged)"]!).toBeLessThanOrEqual(120_000n);
    expect(report["leadership change, Byzantine/Stake (stakesOf)"]!).toBeLessThanOrEqual(130_000n);
  });
});

describe("LeaderElection: properties (fast-check, time travel)", () => {
  it("terms strictly increase and the seat follows a reference model under random campaigns, elections, heartbeats, resignations and time", async () => {
    const env = await deploy();
    const { election, registry, members, owner, send, ballot, now, networkHelpers } = env;
    const everyone = [owner, ...members];
    let swarmSeq = 2n;
    type Op =
      | { kind: "campaign"; who: number }
      | { kind: "elect"; who: number; voters: number[]; jump: number }
      | { kind: "heartbeat"; who: number; termDelta: number }
      | { kind: "resign"; who: number; termDelta: number }
      | { kind: "wait"; seconds: number }
      | { kind: "mode"; vote: boolean };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("campaign" as const), who: fc.nat(9) }),
      fc.record({ kind: fc.constant("elect" as const), who: fc.nat(9), voters: fc.uniqueArray(fc.nat(9), { minLength: 1, maxLength: 10 }), jump: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant("heartbeat" as const), who: fc.nat(9), termDelta: fc.integer({ min: -1, max: 1 }) }),
      fc.record({ kind: fc.constant("resign" as const), who: fc.nat(9), termDelta: fc.integer({ min: -1, max: 1 }) }),
      fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 2 * LEASE }) }),
      fc.record({ kind: fc.constant("mode" as const), vote: fc.boolean() }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        // a fresh swarm per run: the 10 wallets join it
        await registry.write.createSwarm([OPEN, []], { account: owner.account });
        const sid = ++swarmSeq;
        for (const w of members) await registry.write.join([sid, ""], { account: w.account });
        let vote = false;
        await send(election.write.configure([sid, MODE.Lease, LEASE, QUORUM.Majority, WEIGHT.Head], { account: owner.account }));
        const model = { leader: zeroAddress as Address, term: 0n, expires: 0 };
        const seenTerms: bigint[] = [];
        for (const op of ops) {
          const t = (await now()) + 1; // the next block's timestamp (automine: +1 s)
          await networkHelpers.time.setNextBlockTimestamp(t);
          let accepted = false;
          if (op.kind === "mode") {
            vote = op.vote;
            await send(election.write.configure([sid, vote ? MODE.Vote : MODE.Lease, LEASE, QUORUM.Majority, WEIGHT.Head], { account: owner.account }));
            continue;
          }
          if (op.kind === "wait") {
            await networkHelpers.time.increase(op.seconds);
            continue;
          }
          const w = everyone[op.who]!;
          const live = model.leader !== zeroAddress && t < model.expires;
          if (op.kind === "campaign") {
            const shouldWork = !vote && !live;
            try {
              await send(election.write.campaign([sid], { account: w.account }));
              accepted = true;
            } catch {
              accepted = false;
            }
            expect(accepted).toBe(shouldWork);
            if (accepted) model.leader = addr(w), (model.term += 1n), (model.expires = t + LEASE);
          } else if (op.kind === "elect") {
            const term = model.term + BigInt(op.jump);
            const signed = await Promise.all(op.voters.map((i) => ballot(everyone[i]!, sid, term, addr(w))));
            const { voters, signatures } = sortedElection(signed);
            const shouldWork = vote && term > model.term && op.voters.length * 2 > 10;
            try {
              await send(election.write.elect([sid, term, addr(w), voters, signatures]));
              accepted = true;
            } catch {
              accepted = false;
            }
            expect(accepted).toBe(shouldWork);
            if (accepted) model.leader = addr(w), (model.term = term), (model.expires = t + LEASE);
          } else {
            const term = model.term + BigInt(op.termDelta);
            const isLeader = model.leader.toLowerCase() === addr(w).toLowerCase() && model.leader !== zeroAddress && term === model.term;
            const shouldWork = op.kind === "heartbeat" ? isLeader && live : isLeader;
            try {
              if (term < 0n) throw new Error("negative term");
              await send(op.kind === "heartbeat" ? election.write.heartbeat([sid, term], { account: w.account }) : election.write.resign([sid, term], { account: w.account }));
              accepted = true;
            } catch {
              accepted = false;
            }
            expect(accepted).toBe(shouldWork);
            if (accepted && op.kind === "heartbeat") model.expires = t + LEASE;
            if (accepted && op.kind === "resign") (model.leader = zeroAddress), (model.expires = 0);
          }
          const [leader, term, expires] = await election.read.currentLeader([sid]);
          expect(lc([leader, term, expires])).toEqual(lc([model.leader, model.term, model.expires]));
          seenTerms.push(term);
        }
        for (let i = 1; i < seenTerms.length; i++) expect(seenTerms[i]! >= seenTerms[i - 1]!).toBe(true);
        // LeaderElected terms (from the logs) strictly increase
        const logs = await election.getEvents.LeaderElected({ swarmId: sid }, { fromBlock: 0n });
        const terms = logs.map((l) => l.args.term!);
        for (let i = 1; i < terms.length; i++) expect(terms[i]! > terms[i - 1]!).toBe(true);
      }),
      { numRuns: 15 },
    );
    expect(compareAddresses(addr(owner), addr(owner))).toBe(0);
  });
});

// keep the type import used for readers of this file
export type { ElectionBallot };
