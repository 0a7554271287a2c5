/**
 * SDK ballots against the real contracts (in-process Hardhat network): the SDK's election and proposal ballot
 * digests equal the contracts' `hashBallot` views, and `verifyBallot` accepts exactly what the contracts
 * accept — 65-byte and 64-byte (EIP-2098) ECDSA, low s only, EIP-1271 smart accounts through a client — and
 * says why it rejects the rest (wrong chain / contract / domain, bad signature).
 */
import { network } from "hardhat";
import { encodeFunctionData, getAddress, hexToBigInt, numberToHex, slice, zeroAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  BallotError,
  decodeElectionBallot,
  decodeProposalBallot,
  encodeElectionBallot,
  encodeProposalBallot,
  equivocationEvidence,
  parseEcdsaSignature,
  readDomain,
  signElectionBallot,
  signProposalBallot,
  SigningError,
  SwarmRegistryAbi,
  toCompactSignature,
  toFullSignature,
  verifyBallot,
} from "../../sdk/index.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function fixture() {
  const { viem } = await network.create();
  const [owner, alice, bob] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  for (const w of [alice!, bob!]) await registry.write.join([1n, ""], { account: w.account });
  const staking = await viem.deployContract("Staking", [registry.address]);
  const election = await viem.deployContract("LeaderElection", [registry.address, staking.address]);
  const proposals = await viem.deployContract("Proposals", [registry.address, staking.address]);
  const smart = await viem.deployContract("MockERC1271Wallet", [bob!.account.address]);
  const electionDomain = await readDomain(publicClient, election.address);
  const proposalsDomain = await readDomain(publicClient, proposals.address);
  return { viem, owner: owner!, alice: alice!, bob: bob!, publicClient, registry, staking, election, proposals, smart, electionDomain, proposalsDomain };
}

describe("SDK ballots (election and proposal)", async () => {
  const f = await fixture();
  const local = privateKeyToAccount(generatePrivateKey());

  it("digests equal the contracts' hashBallot views, for wallet clients and local accounts", async () => {
    const message = { swarmId: 1n, term: 7n, candidate: getAddress(f.alice.account.address), voter: getAddress(f.bob.account.address) };
    const signed = await signElectionBallot(f.bob, f.electionDomain, message);
    expect(signed.kind).toBe("election");
    expect(signed.digest).toBe(await f.election.read.hashBallot([1n, 7n, message.candidate, message.voter]));
    const byLocal = await signElectionBallot(local, f.electionDomain, { ...message, voter: local.address });
    expect(byLocal.digest).toBe(await f.election.read.hashBallot([1n, 7n, message.candidate, local.address]));

    const ballot = await signProposalBallot(local, f.proposalsDomain, { proposalId: 3n, option: 2, voter: local.address });
    expect(ballot.kind).toBe("proposal");
    expect(ballot.digest).toBe(await f.proposals.read.hashBallot([3n, 2, local.address]));

    expect(decodeElectionBallot(encodeElectionBallot(message))).toEqual(message);
    expect(decodeProposalBallot(encodeProposalBallot(ballot.message))).toEqual(ballot.message);
  });

  it("refuses to sign under another contract's domain", async () => {
    await expect(signElectionBallot(local, f.proposalsDomain, { swarmId: 1n, term: 1n, candidate: local.address, voter: local.address })).rejects.toBeInstanceOf(SigningError);
    await expect(signProposalBallot(local, f.electionDomain, { proposalId: 1n, option: 0, voter: local.address })).rejects.toBeInstanceOf(SigningError);
  });

  it("verifies 65-byte and compact signatures, rejects high-s, other signers, other chains and contracts", async () => {
    const signed = await signElectionBallot(local, f.electionDomain, { swarmId: 1n, term: 1n, candidate: local.address, voter: local.address });
    expect(await verifyBallot(signed, { domain: f.electionDomain })).toMatchObject({ valid: true, method: "ecdsa", digest: signed.digest });

    const compact = toCompactSignature(signed.signature);
    expect(compact.length).toBe(2 + 128);
    expect(toFullSignature(compact)).toBe(signed.signature);
    expect(await verifyBallot({ ...signed, signature: compact }, { domain: f.electionDomain })).toMatchObject({ valid: true });

    // the same signature with s' = n - s (and v flipped) recovers the same key, but the contracts reject it (EIP-2)
    const parts = parseEcdsaSignature(signed.signature)!;
    const highS = `${parts.r}${numberToHex(N - hexToBigInt(parts.s), { size: 32 }).slice(2)}${parts.yParity === 1 ? "1b" : "1c"}` as Hex;
    expect(parseEcdsaSignature(highS)).toBeUndefined();
    expect(await verifyBallot({ ...signed, signature: highS })).toMatchObject({ valid: false, reason: "bad_signature" });
    // v other than 27/28 is not ECDSA for the contracts either
    expect(parseEcdsaSignature(`${slice(signed.signature, 0, 64)}01` as Hex)).toBeUndefined();

    // signed by someone else for this voter
    const forged = await signElectionBallot(f.alice, f.electionDomain, { swarmId: 1n, term: 1n, candidate: local.address, voter: local.address });
    expect(await verifyBallot(forged, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "bad_signature", recovered: getAddress(f.alice.account.address) });

    const foreign = await signElectionBallot(local, { ...f.electionDomain, chainId: 1 }, { swarmId: 1n, term: 1n, candidate: local.address, voter: local.address });
    expect(await verifyBallot(foreign, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "wrong_chain" });
    // a ballot that lies about its domain: verified under the expected one, the signature does not match
    expect(await verifyBallot({ ...foreign, domain: f.electionDomain }, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "bad_signature" });
    const elsewhere = await signElectionBallot(local, { ...f.electionDomain, verifyingContract: f.proposals.address }, { swarmId: 1n, term: 1n, candidate: local.address, voter: local.address });
    expect(await verifyBallot(elsewhere, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "wrong_contract" });
    const proposalBallot = await signProposalBallot(local, f.proposalsDomain, { proposalId: 1n, option: 0, voter: local.address });
    expect(await verifyBallot(proposalBallot, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "wrong_contract" });
  });

  it("verifies smart-account (EIP-1271) voters through a client, like the contract does", async () => {
    const voter = f.smart.address as Address;
    // the smart account joins the swarm through its owner
    await f.smart.write.execute([f.registry.address, 0n, encodeFunctionData({ abi: SwarmRegistryAbi, functionName: "join", args: [1n, ""] })], { account: f.bob.account });
    const signed = await signElectionBallot(f.bob, f.electionDomain, { swarmId: 1n, term: 1n, candidate: voter, voter });
    expect(await verifyBallot(signed, { client: f.publicClient, domain: f.electionDomain })).toMatchObject({ valid: true, method: "eip1271" });
    expect(await verifyBallot(signed, { domain: f.electionDomain })).toMatchObject({ valid: false, reason: "bad_signature" });
    const notOwner = await signElectionBallot(f.alice, f.electionDomain, { swarmId: 1n, term: 1n, candidate: voter, voter });
    expect(await verifyBallot(notOwner, { client: f.publicClient, domain: f.electionDomain })).toMatchObject({ valid: false, reason: "bad_signature" });

    // and the contract agrees: configure vote mode and let the smart account's ballot (plus two EOAs) elect
    await f.election.write.configure([1n, 2, 600, 0, 0], { account: f.owner.account });
    const others = await Promise.all([f.owner, f.alice].map((w) => signElectionBallot(w, f.electionDomain, { swarmId: 1n, term: 1n, candidate: voter, voter: w.account.address })));
    const all = [signed, ...others].sort((a, b) => (BigInt(a.message.voter) < BigInt(b.message.voter) ? -1 : 1));
    await f.election.write.elect([1n, 1n, voter, all.map((b) => b.message.voter), all.map((b) => b.signature)]);
    expect(await f.election.read.isLeader([1n, voter, 1n])).toBe(true);
  });

  it("builds equivocation evidence only from two different votes of one voter on one subject", async () => {
    const a = await signElectionBallot(local, f.electionDomain, { swarmId: 1n, term: 2n, candidate: f.alice.account.address, voter: local.address });
    const b = await signElectionBallot(local, f.electionDomain, { swarmId: 1n, term: 2n, candidate: f.bob.account.address, voter: local.address });
    const evidence = equivocationEvidence(a, b);
    expect(evidence).toEqual({ source: getAddress(f.election.address), ballotA: encodeElectionBallot(a.message), sigA: a.signature, ballotB: encodeElectionBallot(b.message), sigB: b.signature });
    const [swarmId, signer] = await f.election.read.checkEquivocation([evidence.ballotA, evidence.sigA, evidence.ballotB, evidence.sigB]);
    expect([swarmId, signer.toLowerCase()]).toEqual([1n, local.address.toLowerCase()]);

    const otherTerm = await signElectionBallot(local, f.electionDomain, { swarmId: 1n, term: 3n, candidate: f.bob.account.address, voter: local.address });
    expect(() => equivocationEvidence(a, otherTerm)).toThrow(BallotError);
    expect(() => equivocationEvidence(a, a)).toThrow(/not conflicting/);
    const p1 = await signProposalBallot(local, f.proposalsDomain, { proposalId: 1n, option: 0, voter: local.address });
    const p2 = await signProposalBallot(local, f.proposalsDomain, { proposalId: 1n, option: 1, voter: local.address });
    expect(equivocationEvidence(p1, p2).source).toBe(getAddress(f.proposals.address));
    expect(() => equivocationEvidence(a, p1)).toThrow(BallotError);
  });
});
