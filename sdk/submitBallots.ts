/**
 * Submitting collected ballots: `submitElection` sends LeaderElection `elect` (voters sorted strictly
 * ascending, as the contract requires), `submitBallots` sends Proposals `castVotesBySig` (any order). Both
 * simulate first (so a revert comes back as a TransactionError carrying the decoded custom error, without
 * spending gas), send, wait for the receipt and return it with the decoded event(s).
 *
 *   const { event } = await submitElection(aggregator.ballots(), { wallet, client: publicClient });
 *   console.log(event.leader, event.term);
 */
import { getAddress, isAddressEqual, parseEventLogs, type Account, type Address, type Client, type Hex, type TransactionReceipt } from "viem";
import { simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { LeaderElectionAbi, ProposalsAbi } from "./abis.ts";
import { decodeConcordError } from "./decodeConcordError.ts";
import type { SignedElectionBallot } from "./electionBallots.ts";
import { BallotError, ConcordSdkError, TransactionError } from "./errors.ts";
import type { SignedProposalBallot } from "./proposalBallots.ts";
import { ballotDigest, recoverBallotSigner, toCompactSignature, toFullSignature, type SignedBallot } from "./verifyBallot.ts";

/**
 * How the voters' own ECDSA signatures go on chain: `full` = 65 bytes (r, s, v), `compact` = 64 bytes (EIP-2098,
 * one calldata word less per ballot), `as-is` = as signed. EIP-1271 (smart-account) signatures are always sent
 * as signed.
 */
export type SignatureEncoding = "full" | "compact" | "as-is";

/**
 * What each contract's relayed-ballot path accepts (contracts/consensus/BallotSignatures.sol: 65-byte and
 * 64-byte ECDSA, then EIP-1271). The default of the submit helpers: the smallest form the contract takes.
 */
export const BALLOT_SIGNATURE_ENCODING = { LeaderElection: "compact", Proposals: "compact" } as const satisfies Record<string, SignatureEncoding>;

export type SubmitOptions = {
  /** Sends the transaction: a wallet client with an account. */
  wallet: Client & { account?: Account };
  /** Reads (simulation, receipt); default `wallet` (fine for a wallet client on a public RPC). */
  client?: Client;
  /** Default: BALLOT_SIGNATURE_ENCODING of the contract. */
  signatureEncoding?: SignatureEncoding;
  /** Gas limit (default: estimated). */
  gas?: bigint;
};

export type LeaderElectedEvent = {
  swarmId: bigint;
  leader: Address;
  term: bigint;
  leaseExpiresAt: number;
  how: number;
  votesWeight: bigint;
  totalWeight: bigint;
  previousLeader: Address;
};

export type ElectionSubmission = {
  hash: Hex;
  receipt: TransactionReceipt;
  /** The LeaderElected event: the new leader, its term (fencing token) and lease. */
  event: LeaderElectedEvent;
  /** The voters as submitted (ascending). */
  voters: Address[];
};

export type ProposalVoteSkipReason = "already_voted" | "not_member" | "flagged" | "no_weight";

export type BallotsSubmission = {
  hash: Hex;
  receipt: TransactionReceipt;
  proposalId: bigint;
  /** The ballots the contract counted (VotesCast), with their weight. */
  counted: { voter: Address; option: number; weight: bigint }[];
  /** The ballots it skipped (VoteSkipped) and why. */
  skipped: { voter: Address; reason: ProposalVoteSkipReason }[];
};

const SKIP_REASONS: readonly ProposalVoteSkipReason[] = ["already_voted", "not_member", "flagged", "no_weight"];

/** Numeric order of two addresses (Solidity's `<` on address). */
export function compareAddresses(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A ballot's signature as it goes on chain. Only an ECDSA signature by the voter itself is re-encoded; anything
 * else (an EIP-1271 smart-account signature, even one that is an ECDSA signature by the account's owner) is sent
 * exactly as signed, since the account checks it in its own format.
 */
export async function encodeBallotSignature(ballot: SignedBallot, encoding: SignatureEncoding): Promise<Hex> {
  if (encoding === "as-is") return ballot.signature;
  const signer = await recoverBallotSigner(ballotDigest(ballot), ballot.signature);
  if (signer === undefined || !isAddressEqual(signer, ballot.message.voter)) return ballot.signature;
  return encoding === "full" ? toFullSignature(ballot.signature) : toCompactSignature(ballot.signature);
}

function accountOf(options: SubmitOptions): Account {
  const account = options.wallet.account;
  if (account === undefined) throw new ConcordSdkError("signer_invalid", "The wallet client has no account to send the transaction with");
  return account;
}

/** Simulates, sends and waits; throws TransactionError (decoded) on a revert. */
async function sendCall(options: SubmitOptions, request: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] }): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
  const account = accountOf(options);
  const reader = options.client ?? options.wallet;
  const params = { ...request, account, chain: options.wallet.chain ?? null, ...(options.gas === undefined ? {} : { gas: options.gas }) } as unknown as Parameters<typeof simulateContract>[1];
  try {
    await simulateContract(reader, params);
  } catch (error) {
    const revert = decodeConcordError(error);
    throw new TransactionError(`${request.functionName} would revert: ${revert ? revert.name : (error as Error).message.split("\n")[0]}`, revert, { functionName: request.functionName }, { cause: error });
  }
  let hash: Hex;
  try {
    hash = await writeContract(options.wallet, params as unknown as Parameters<typeof writeContract>[1]);
  } catch (error) {
    const revert = decodeConcordError(error);
    if (revert === undefined) throw error;
    throw new TransactionError(`${request.functionName} reverted: ${revert.name}`, revert, { functionName: request.functionName }, { cause: error });
  }
  const receipt = await waitForTransactionReceipt(reader, { hash });
  if (receipt.status !== "success") {
    let revert;
    try {
      await simulateContract(reader, params);
    } catch (error) {
      revert = decodeConcordError(error);
    }
    throw new TransactionError(`${request.functionName} reverted in transaction ${hash}${revert ? `: ${revert.name}` : ""}`, revert, { functionName: request.functionName, hash });
  }
  return { hash, receipt };
}

/** Checks that election ballots are about one subject; returns them sorted by voter (ascending, no duplicates). */
export async function electionArgs(ballots: readonly SignedElectionBallot[], encoding: SignatureEncoding = BALLOT_SIGNATURE_ENCODING.LeaderElection) {
  const first = ballots[0];
  if (first === undefined) throw new BallotError("ballot_mismatch", "empty", "No ballots to submit");
  const { swarmId, term, candidate } = first.message;
  const contract = first.domain.verifyingContract;
  for (const b of ballots) {
    if (
      b.kind !== "election" ||
      b.message.swarmId !== swarmId ||
      b.message.term !== term ||
      !isAddressEqual(b.message.candidate, candidate) ||
      b.domain.verifyingContract === undefined ||
      contract === undefined ||
      !isAddressEqual(b.domain.verifyingContract, contract) ||
      Number(b.domain.chainId) !== Number(first.domain.chainId)
    ) {
      throw new BallotError("ballot_mismatch", "mixed_subjects", "Election ballots submitted together must name the same contract, swarm, term and candidate", {
        voter: b.message.voter,
      });
    }
  }
  const sorted = [...ballots].sort((a, b) => compareAddresses(a.message.voter, b.message.voter));
  for (let i = 1; i < sorted.length; i++) {
    if (compareAddresses(sorted[i - 1]!.message.voter, sorted[i]!.message.voter) === 0) {
      throw new BallotError("ballot_mismatch", "duplicate", `Two ballots by ${sorted[i]!.message.voter}`, { voter: sorted[i]!.message.voter });
    }
  }
  return {
    address: getAddress(contract!),
    swarmId,
    term,
    candidate: getAddress(candidate),
    voters: sorted.map((b) => getAddress(b.message.voter)),
    signatures: await Promise.all(sorted.map((b) => encodeBallotSignature(b, encoding))),
  };
}

/** Sends `elect(swarmId, term, candidate, voters, signatures)` with the ballots (sorted as the contract requires). */
export async function submitElection(ballots: readonly SignedElectionBallot[], options: SubmitOptions): Promise<ElectionSubmission> {
  const args = await electionArgs(ballots, options.signatureEncoding ?? BALLOT_SIGNATURE_ENCODING.LeaderElection);
  const { hash, receipt } = await sendCall(options, {
    address: args.address,
    abi: LeaderElectionAbi,
    functionName: "elect",
    args: [args.swarmId, args.term, args.candidate, args.voters, args.signatures],
  });
  const [elected] = parseEventLogs({ abi: LeaderElectionAbi, logs: receipt.logs, eventName: "LeaderElected" });
  if (elected === undefined) throw new ConcordSdkError("transaction_reverted", `elect succeeded without a LeaderElected event (${hash})`, { hash });
  return { hash, receipt, event: elected.args as LeaderElectedEvent, voters: args.voters };
}

/** Checks that proposal ballots are about one proposal of one contract; returns `castVotesBySig`'s arguments. */
export async function proposalBallotsArgs(ballots: readonly SignedProposalBallot[], encoding: SignatureEncoding = BALLOT_SIGNATURE_ENCODING.Proposals) {
  const first = ballots[0];
  if (first === undefined) throw new BallotError("ballot_mismatch", "empty", "No ballots to submit");
  const contract = first.domain.verifyingContract;
  const seen = new Set<string>();
  for (const b of ballots) {
    if (
      b.kind !== "proposal" ||
      b.message.proposalId !== first.message.proposalId ||
      b.domain.verifyingContract === undefined ||
      contract === undefined ||
      !isAddressEqual(b.domain.verifyingContract, contract) ||
      Number(b.domain.chainId) !== Number(first.domain.chainId)
    ) {
      throw new BallotError("ballot_mismatch", "mixed_subjects", "Proposal ballots submitted together must name the same contract and proposal", { voter: b.message.voter });
    }
    const voter = b.message.voter.toLowerCase();
    if (seen.has(voter)) throw new BallotError("ballot_mismatch", "duplicate", `Two ballots by ${b.message.voter}`, { voter: b.message.voter });
    seen.add(voter);
  }
  return {
    address: getAddress(contract!),
    proposalId: first.message.proposalId,
    ballots: ballots.map((b) => ({ voter: getAddress(b.message.voter), option: b.message.option })),
    signatures: await Promise.all(ballots.map((b) => encodeBallotSignature(b, encoding))),
  };
}

/** `VotesCast.options`: one byte per ballot (`bytes`), or a `uint8[]` in older builds. */
function optionsOf(options: unknown): number[] {
  if (typeof options === "string") {
    const hex = options.slice(2);
    return Array.from({ length: hex.length / 2 }, (_, i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  }
  return (options as readonly (number | bigint)[]).map(Number);
}

/** Sends `castVotesBySig(proposalId, ballots, signatures)`; returns what was counted and what was skipped. */
export async function submitBallots(ballots: readonly SignedProposalBallot[], options: SubmitOptions): Promise<BallotsSubmission> {
  const args = await proposalBallotsArgs(ballots, options.signatureEncoding ?? BALLOT_SIGNATURE_ENCODING.Proposals);
  const { hash, receipt } = await sendCall(options, {
    address: args.address,
    abi: ProposalsAbi,
    functionName: "castVotesBySig",
    args: [args.proposalId, args.ballots, args.signatures],
  });
  const counted: BallotsSubmission["counted"] = [];
  const skipped: BallotsSubmission["skipped"] = [];
  for (const log of parseEventLogs({ abi: ProposalsAbi, logs: receipt.logs })) {
    const eventArgs = log.args as Record<string, unknown>;
    if (log.eventName === "VotesCast") {
      const voters = eventArgs.voters as Address[];
      const opts = optionsOf(eventArgs.options);
      const weights = eventArgs.weights as bigint[];
      voters.forEach((voter, i) => counted.push({ voter, option: opts[i]!, weight: weights.length === 0 ? 1n : weights[i]! }));
    } else if (log.eventName === "VoteSkipped") {
      skipped.push({ voter: eventArgs.voter as Address, reason: SKIP_REASONS[Number(eventArgs.reason)] ?? "no_weight" });
    }
  }
  return { hash, receipt, proposalId: args.proposalId, counted, skipped };
}
