/**
 * Ballots for LeaderElection and Proposals: EIP-712 types, domains, signing, ABI encoding (for
 * `checkEquivocation` evidence) and commit-reveal commitments. Free of Hardhat so the agent SDK can reuse it.
 *
 *   import { leaderElectionDomain, signElectionBallot, sortedElection } from "../helpers/ballots.ts";
 *   const domain = leaderElectionDomain(chainId, election.address);
 *   const signed = await Promise.all(wallets.map((w) => signElectionBallot(w, domain, { swarmId, term, candidate, voter: w.account.address })));
 *   const { voters, signatures } = sortedElection(signed);            // strictly ascending voters, as `elect` wants
 *   await election.write.elect([swarmId, term, candidate, voters, signatures]);
 *
 *   const pdomain = proposalsDomain(chainId, proposals.address);
 *   const b = await signProposalBallot(wallet, pdomain, { proposalId, option: 1, voter });
 *   await proposals.write.castVotesBySig([proposalId, [{ voter, option: 1 }], [b.signature]]);
 *
 * A signer is a viem WalletClient with an account, or a local account (`privateKeyToAccount`) — anything with
 * `signTypedData`. Smart accounts (EIP-1271, e.g. MockERC1271Wallet) sign with their owner key: pass the
 * owner as `signer` and the smart account's address as `voter`.
 */
import { encodeAbiParameters, hashTypedData, keccak256, type Address, type Hex, type TypedDataDomain } from "viem";

/** Something that signs EIP-712 data: a WalletClient (with `account`) or a LocalAccount. */
export interface TypedDataSigner {
  // Loose on purpose: viem's strict generics need literal types, and both WalletClient and LocalAccount fit.
  signTypedData: (args: never) => Promise<Hex>;
  account?: unknown;
}

async function sign(signer: TypedDataSigner, domain: TypedDataDomain, types: Record<string, readonly { name: string; type: string }[]>, primaryType: string, message: Record<string, unknown>): Promise<Hex> {
  const args: Record<string, unknown> = { domain, types, primaryType, message };
  if (signer.account !== undefined) args.account = signer.account; // WalletClient: sign with its own account
  return (signer.signTypedData as (a: unknown) => Promise<Hex>)(args);
}

// ---------------------------------------------------------------------------------------------------------------
// LeaderElection
// ---------------------------------------------------------------------------------------------------------------

export const LEADER_ELECTION_EIP712 = { name: "Concord LeaderElection", version: "1" } as const;

/** `ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)` */
export const ELECTION_BALLOT_TYPES = {
  ElectionBallot: [
    { name: "swarmId", type: "uint256" },
    { name: "term", type: "uint64" },
    { name: "candidate", type: "address" },
    { name: "voter", type: "address" },
  ],
} as const;

export interface ElectionBallot {
  swarmId: bigint;
  term: bigint;
  candidate: Address;
  voter: Address;
}

export interface SignedElectionBallot {
  ballot: ElectionBallot;
  /** EIP-712 digest (= LeaderElection.hashBallot). */
  digest: Hex;
  signature: Hex;
  /** abi.encode(ElectionBallot), the `ballotA`/`ballotB` of equivocation evidence. */
  encoded: Hex;
}

export function leaderElectionDomain(chainId: number, verifyingContract: Address): TypedDataDomain {
  return { ...LEADER_ELECTION_EIP712, chainId, verifyingContract };
}

export function encodeElectionBallot(b: ElectionBallot): Hex {
  return encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint64" }, { type: "address" }, { type: "address" }],
    [b.swarmId, b.term, b.candidate, b.voter],
  );
}

export function electionBallotDigest(domain: TypedDataDomain, b: ElectionBallot): Hex {
  return hashTypedData({ domain, types: ELECTION_BALLOT_TYPES, primaryType: "ElectionBallot", message: { ...b } });
}

export async function signElectionBallot(signer: TypedDataSigner, domain: TypedDataDomain, ballot: ElectionBallot): Promise<SignedElectionBallot> {
  const signature = await sign(signer, domain, ELECTION_BALLOT_TYPES, "ElectionBallot", { ...ballot });
  return { ballot, digest: electionBallotDigest(domain, ballot), signature, encoded: encodeElectionBallot(ballot) };
}

/** Orders ballots by voter (strictly ascending, as `elect` requires) and splits them into the call's arrays. */
export function sortedElection(signed: readonly SignedElectionBallot[]): { voters: Address[]; signatures: Hex[] } {
  const sorted = [...signed].sort((a, b) => compareAddresses(a.ballot.voter, b.ballot.voter));
  return { voters: sorted.map((s) => s.ballot.voter), signatures: sorted.map((s) => s.signature) };
}

// ---------------------------------------------------------------------------------------------------------------
// Proposals
// ---------------------------------------------------------------------------------------------------------------

export const PROPOSALS_EIP712 = { name: "Concord Proposals", version: "1" } as const;

/** `ProposalBallot(uint256 proposalId,uint8 option,address voter)` */
export const PROPOSAL_BALLOT_TYPES = {
  ProposalBallot: [
    { name: "proposalId", type: "uint256" },
    { name: "option", type: "uint8" },
    { name: "voter", type: "address" },
  ],
} as const;

export interface ProposalBallot {
  proposalId: bigint;
  option: number;
  voter: Address;
}

export interface SignedProposalBallot {
  ballot: ProposalBallot;
  digest: Hex;
  signature: Hex;
  /** abi.encode(ProposalBallot), for equivocation evidence. */
  encoded: Hex;
}

export function proposalsDomain(chainId: number, verifyingContract: Address): TypedDataDomain {
  return { ...PROPOSALS_EIP712, chainId, verifyingContract };
}

export function encodeProposalBallot(b: ProposalBallot): Hex {
  return encodeAbiParameters([{ type: "uint256" }, { type: "uint8" }, { type: "address" }], [b.proposalId, b.option, b.voter]);
}

export function proposalBallotDigest(domain: TypedDataDomain, b: ProposalBallot): Hex {
  return hashTypedData({ domain, types: PROPOSAL_BALLOT_TYPES, primaryType: "ProposalBallot", message: { ...b } });
}

export async function signProposalBallot(signer: TypedDataSigner, domain: TypedDataDomain, ballot: ProposalBallot): Promise<SignedProposalBallot> {
  const signature = await sign(signer, domain, PROPOSAL_BALLOT_TYPES, "ProposalBallot", { ...ballot });
  return { ballot, digest: proposalBallotDigest(domain, ballot), signature, encoded: encodeProposalBallot(ballot) };
}

/** Splits signed ballots into `castVotesBySig`'s arrays (order kept; the contract needs no sorting). */
export function batchArgs(signed: readonly SignedProposalBallot[]): { ballots: { voter: Address; option: number }[]; signatures: Hex[] } {
  return { ballots: signed.map((s) => ({ voter: s.ballot.voter, option: s.ballot.option })), signatures: signed.map((s) => s.signature) };
}

/** keccak256(abi.encode(proposalId, option, salt, voter)), what `commitVote` takes and `reveal` checks. */
export function voteCommitment(proposalId: bigint, option: number, salt: Hex, voter: Address): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256" }, { type: "uint8" }, { type: "bytes32" }, { type: "address" }], [proposalId, option, salt, voter]),
  );
}

// ---------------------------------------------------------------------------------------------------------------

/** Numeric order of two addresses (what Solidity's `<` on address compares). */
export function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
